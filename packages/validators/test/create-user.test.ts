import { describe, expect, it } from "vitest";
import {
  BODY_NOT_AN_OBJECT,
  createUserInput,
  EMAIL_INVALID,
  EMAIL_NOT_A_STRING,
  EMAIL_REQUIRED,
} from "../src/index.ts";

function problem(input: unknown): string | undefined {
  const result = createUserInput.safeParse(input);
  return result.success ? undefined : result.error.issues[0]?.message;
}

describe("createUserInput", () => {
  it.each(["a@b.c", "a+tag@b.com", "ä@b.com", "first.last@sub.example.co.uk", "o'brien@example.ie", "x@bücher.de"])(
    "accepts %s",
    (email) => {
      expect(problem({ email })).toBeUndefined();
    },
  );

  it.each([
    "a@b",
    "user@localhost",
    " a@b.com",
    "a@b.com ",
    "a@b.com.",
    "Jane <a@b.com>",
    "a@b.c1",
    "a b@c.com",
    ".a@b.com",
    "a.@b.com",
    "a..b@c.com",
    "a@@b.com",
    "a@-b.com",
    "a@b-.com",
    '"a"@b.com',
    "a@b..com",
  ])("refuses %j as invalid", (email) => {
    expect(problem({ email })).toBe(EMAIL_INVALID);
  });

  it("holds the address to 254 characters in all and 64 before the @", () => {
    const domain = `${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(63)}.com`;
    expect(problem({ email: `${"l".repeat(64)}@b.com` })).toBeUndefined();
    expect(problem({ email: `${"l".repeat(65)}@b.com` })).toBe(EMAIL_INVALID);
    const longest = `${"l".repeat(254 - domain.length - 1)}@${domain}`;
    expect(longest).toHaveLength(254);
    expect(problem({ email: longest })).toBeUndefined();
    expect(problem({ email: `l${longest}` })).toBe(EMAIL_INVALID);
  });

  it.each([
    ["a NUL", "a\u0000b@example.com"],
    ["another control character", "a\u0007b@example.com"],
    ["a zero-width joiner", "pay\u200dpal@example.com"],
    ["a zero-width space", "a\u200bb@example.com"],
    ["a right-to-left override", "moc.\u202eevil@example.com"],
    ["a byte order mark", "\ufeffa@example.com"],
    ["a lone high surrogate", "a\ud800@example.com"],
    ["a lone low surrogate", "a\udc00@example.com"],
    ["a control character in the domain", "a@exam\u0000ple.com"],
  ])("refuses an address with %s as invalid", (_what, email) => {
    expect(problem({ email })).toBe(EMAIL_INVALID);
  });

  it("stores one spelling of an address: composed (NFC), then lower-cased", () => {
    const decomposed = createUserInput.parse({ email: "Jose\u0301@Bu\u0308cher.de" });
    const composed = createUserInput.parse({ email: "jos\u00e9@b\u00fccher.de" });

    expect(decomposed.email).toBe("jos\u00e9@b\u00fccher.de");
    expect(composed.email).toBe(decomposed.email);
  });

  it("accepts a pair of surrogates (a character outside the BMP)", () => {
    expect(problem({ email: "\u{1f600}@example.com" })).toBeUndefined();
  });

  it.each([[{}], [{ email: "" }], [{ email: null }], [{ email: undefined }]])("requires an email in %j", (input) => {
    expect(problem(input)).toBe(EMAIL_REQUIRED);
  });

  it.each([123, true, ["a@b.com"], { address: "a@b.com" }])("refuses the non-string email %j", (email) => {
    expect(problem({ email })).toBe(EMAIL_NOT_A_STRING);
  });

  it.each([null, [], "a@b.com", 42])("refuses the body %j", (body) => {
    expect(problem(body)).toBe(BODY_NOT_AN_OBJECT);
  });

  it("lower-cases the address and drops unknown keys", () => {
    expect(createUserInput.parse({ email: "Ada@Example.COM", name: "Ada" })).toEqual({ email: "ada@example.com" });
  });
});
