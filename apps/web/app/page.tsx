import { SignUpForm } from "@/components/sign-up-form";

export default function SignUpPage() {
  return (
    <main>
      <div className="card">
        <h1>Create your account</h1>
        <p className="lead">One email address is all it takes.</p>
        <SignUpForm />
      </div>
    </main>
  );
}
