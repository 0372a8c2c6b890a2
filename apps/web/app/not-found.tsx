import type { Metadata } from "next";
import { Card } from "@/components/card";

export const metadata: Metadata = { title: "Page not found · Enroll" };

export default function NotFound() {
  return (
    <Card>
      <h1>Page not found</h1>
      <p className="lead">
        There is nothing at this address. <a href="/">Create an account</a> instead?
      </p>
    </Card>
  );
}
