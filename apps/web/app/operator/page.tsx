import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { LISTENER_HEADER } from "@enroll/api/listeners";
import { Card } from "@/components/card";
import { Operator } from "@/components/operator";

export const metadata: Metadata = {
  title: "Users · Enroll",
  description: "The users of this Enroll app, for its operators.",
};

/**
 * The operator page: the users, searchable, newest first, with delete; and sign-ups per day. It
 * reads the admin API from the browser, so it exists on the admin listener only: anywhere else
 * (the public listener) it is the 404 page.
 */
export default async function OperatorPage() {
  if ((await headers()).get(LISTENER_HEADER) !== "admin") notFound();
  return (
    <Card wide>
      <Operator />
    </Card>
  );
}
