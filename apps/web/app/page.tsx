import { connection } from "next/server";
import { loadConfig } from "@enroll/api/config";
import { SignUp } from "@/components/sign-up";
import { Card } from "@/components/card";

export default async function SignUpPage() {
  // Rendered for each request, not at build time: whether sign-up is open is the running server's setting.
  await connection();
  return (
    <Card>
      <SignUp open={loadConfig().account.allowSignup} />
    </Card>
  );
}
