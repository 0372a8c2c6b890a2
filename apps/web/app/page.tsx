import { connection } from "next/server";
import { loadConfig } from "@enroll/api/config";
import { SignUp } from "@/components/sign-up";
import { Card } from "@/components/card";

export default async function SignUpPage() {
  // Rendered for each request, not at build time: these are the running server's settings.
  await connection();
  const config = loadConfig();
  return (
    <Card>
      <SignUp
        open={config.account.allowSignup}
        requireVerification={config.email.requireVerification}
        mailbox={config.emailDelivery.via === "mailbox"}
      />
    </Card>
  );
}
