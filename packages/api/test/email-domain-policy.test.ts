import { describe, expect, it, vi } from "vitest";
import { createUserInput } from "@enroll/validators";
import { loadConfig } from "../src/config/index.ts";
import { EmailDomainNotAllowedError } from "../src/errors.ts";
import { assertEmailDomainAllowed, isEmailDomainAllowed } from "../src/users/email-domain-policy.ts";

// The real list, with its loader watched: the last test counts how often it is read.
vi.mock(import("disposable-email-domains-js"), async (importOriginal) => {
  const original = await importOriginal();
  return { ...original, disposableEmailBlocklistSet: vi.fn(original.disposableEmailBlocklistSet) };
});

/** The policy that these settings start the app with. */
const policyOf = (settings: Record<string, string>) => loadConfig(settings).email.domainPolicy;

/** Whether each address may sign up under `settings`, taken as the input schema hands it to the service. */
function verdicts(settings: Record<string, string>, addresses: string[]): Record<string, boolean> {
  const policy = policyOf(settings);
  return Object.fromEntries(
    addresses.map((address) => [address, isEmailDomainAllowed(policy, createUserInput.parse({ email: address }).email)]),
  );
}

/** Holds every address of `expected` to its verdict under `settings`, all at once, so a failure shows them all. */
function expectVerdicts(settings: Record<string, string>, expected: Record<string, boolean>) {
  expect(verdicts(settings, Object.keys(expected))).toEqual(expected);
}

describe("the address policy", () => {
  it("lets every domain through by default, disposable ones too", () => {
    expectVerdicts({}, { "alice@example.com": true, "alice@mailinator.com": true });
  });

  it("with an allowlist, lets through its domains and their subdomains only", () => {
    expectVerdicts(
      { EMAIL_DOMAIN_ALLOWLIST: "example.com,example.org" },
      {
        "alice@example.com": true,
        "alice@mail.example.org": true,
        "alice@example.net": false,
        "alice@evilexample.com": false,
        "alice@example.com.evil.net": false,
      },
    );
  });

  it("with a denylist, refuses its domains and their subdomains, not domains that merely end alike", () => {
    expectVerdicts(
      { EMAIL_DOMAIN_DENYLIST: "example.com" },
      {
        "alice@example.com": false,
        "alice@mail.eu.example.com": false,
        "alice@evilexample.com": true,
        "alice@example.org": true,
      },
    );
  });

  it("with both, takes the allowlist first, then carves the denylist out of it", () => {
    expectVerdicts(
      { EMAIL_DOMAIN_ALLOWLIST: "example.com", EMAIL_DOMAIN_DENYLIST: "guests.example.com" },
      {
        "alice@example.com": true,
        "alice@staff.example.com": true,
        "bob@guests.example.com": false,
        "bob@eu.guests.example.com": false,
        "carol@example.org": false,
      },
    );
  });

  it("compares a domain in Unicode with its IDNA ASCII form, both ways", () => {
    expectVerdicts({ EMAIL_DOMAIN_DENYLIST: "bücher.example" }, { "kim@xn--bcher-kva.example": false, "kim@buecher.example": true });
    expectVerdicts({ EMAIL_DOMAIN_DENYLIST: "xn--bcher-kva.example" }, { "kim@bücher.example": false, "kim@Bücher.Example": false });
    expectVerdicts({ EMAIL_DOMAIN_ALLOWLIST: "bücher.example" }, { "kim@shop.xn--bcher-kva.example": true, "kim@bucher.example": false });
  });

  it("ignores letter case and width, and a listed domain's trailing dot", () => {
    expectVerdicts({ EMAIL_DOMAIN_DENYLIST: "Example.COM." }, { "Alice@EXAMPLE.com": false, "alice@ｅｘａｍｐｌｅ.com": false });
  });

  it("with EMAIL_BLOCK_DISPOSABLE, refuses a domain of the disposable list and its subdomains", () => {
    expectVerdicts(
      { EMAIL_BLOCK_DISPOSABLE: "true" },
      {
        "someone@mailinator.com": false,
        "someone@yopmail.com": false,
        "someone@inbox.mailinator.com": false,
        "someone@example.com": true,
        "someone@shopmailinator.com": true,
      },
    );
    expectVerdicts({ EMAIL_BLOCK_DISPOSABLE: "false" }, { "someone@mailinator.com": true });
  });

  it("refuses a disposable domain even when the allowlist holds it", () => {
    expectVerdicts({ EMAIL_DOMAIN_ALLOWLIST: "mailinator.com", EMAIL_BLOCK_DISPOSABLE: "true" }, { "a@mailinator.com": false });
  });

  it("refuses, while any check is on, an address whose domain has no ASCII form to compare", () => {
    const longLabel = `kim@${"a".repeat(64)}.example`;

    expectVerdicts({}, { [longLabel]: true });
    expectVerdicts({ EMAIL_DOMAIN_DENYLIST: "example.org" }, { [longLabel]: false });
  });

  it("refuses with a 400 that says the domain is not allowed", () => {
    const policy = policyOf({ EMAIL_DOMAIN_DENYLIST: "example.com" });

    expect(() => assertEmailDomainAllowed(policy, "alice@example.com")).toThrow(EmailDomainNotAllowedError);
    expect(() => assertEmailDomainAllowed(policy, "alice@example.com")).toThrow(
      expect.objectContaining({ status: 400, message: "email domain is not allowed" }),
    );
    expect(() => assertEmailDomainAllowed(policy, "alice@example.org")).not.toThrow();
  });

  it("reads the disposable list only once it is enabled, and only once", async () => {
    vi.resetModules();
    const { isEmailDomainAllowed: freshCheck } = await import("../src/users/email-domain-policy.ts");
    const { disposableEmailBlocklistSet } = await import("disposable-email-domains-js");
    vi.mocked(disposableEmailBlocklistSet).mockClear();

    freshCheck(policyOf({ EMAIL_DOMAIN_DENYLIST: "example.org" }), "alice@mailinator.com");
    expect(disposableEmailBlocklistSet).not.toHaveBeenCalled();

    freshCheck(policyOf({ EMAIL_BLOCK_DISPOSABLE: "true" }), "alice@mailinator.com");
    freshCheck(policyOf({ EMAIL_BLOCK_DISPOSABLE: "true" }), "bob@example.com");
    expect(disposableEmailBlocklistSet).toHaveBeenCalledTimes(1);
  });
});
