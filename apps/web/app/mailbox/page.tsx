import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { loadConfig } from "@enroll/api/config";
import { Card } from "@/components/card";
import { Mailbox } from "@/components/mailbox";

export const metadata: Metadata = { title: "Mailbox · Enroll" };

/** The emails Enroll keeps instead of sending them; there is no such page where emails are sent. */
export default async function MailboxPage() {
  await connection();
  if (loadConfig().emailDelivery.via !== "mailbox") notFound();
  return (
    <Card>
      <Mailbox />
    </Card>
  );
}
