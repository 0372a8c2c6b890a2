import { disposableEmailBlocklistSet } from "disposable-email-domains-js";
import { asciiDomain, type EmailDomainPolicy } from "../config/index.ts";
import { EmailDomainNotAllowedError } from "../errors.ts";

/** The disposable-address domains, read the first time a sign-up needs them and kept: about 9,000. */
let disposableDomains: ReadonlySet<string> | undefined;

/**
 * Whether `domain` (ASCII form) is in `listed` or below a domain there, label by label:
 * `mail.example.com` is covered by `example.com`, `evilexample.com` is not.
 */
function isCovered(domain: string, listed: ReadonlySet<string>): boolean {
  const labels = domain.split(".");
  return labels.some((_, first) => listed.has(labels.slice(first).join(".")));
}

/**
 * Whether `policy` lets `email` (an address the input schema accepted) sign up by its domain: in
 * the allowlist when there is one, then not in the denylist (which so carves exceptions out of the
 * allowlist), then, with `blockDisposable`, not on the disposable list. Every check covers
 * subdomains, of disposable domains too: a throw-away service runs mail for its subdomains as well.
 * With any check on, a domain that has no ASCII form (IDNA refuses it) is refused, since it cannot
 * be compared; with none on, nothing is looked at.
 */
export function isEmailDomainAllowed(policy: EmailDomainPolicy, email: string): boolean {
  const { allowlist, denylist, blockDisposable } = policy;
  if (allowlist.size === 0 && denylist.size === 0 && !blockDisposable) return true;
  const domain = asciiDomain(email.slice(email.lastIndexOf("@") + 1));
  if (domain === undefined) return false;
  if (allowlist.size > 0 && !isCovered(domain, allowlist)) return false;
  if (isCovered(domain, denylist)) return false;
  return !blockDisposable || !isCovered(domain, (disposableDomains ??= disposableEmailBlocklistSet()));
}

/** Refuses `email` with EmailDomainNotAllowedError (400) unless `policy` lets its domain sign up. */
export function assertEmailDomainAllowed(policy: EmailDomainPolicy, email: string): void {
  if (!isEmailDomainAllowed(policy, email)) throw new EmailDomainNotAllowedError();
}
