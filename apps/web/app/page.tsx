import { SignUp } from "@/components/sign-up";

export default function SignUpPage() {
  return (
    <main>
      <div className="card">
        <p className="brand">Enroll</p>
        <SignUp />
      </div>
    </main>
  );
}
