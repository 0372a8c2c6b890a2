import { randomInt } from "node:crypto";
import bcrypt from "bcryptjs";

/** A passcode has six digits, as the reference's and as Hanko's elements ask for them. */
export const PASSCODE_DIGITS = 6;

/**
 * bcrypt's cost for a stored code, as the reference stores them (its `passcodes.code`). 10 rather
 * than the reference's 12: bcryptjs works on the event loop, where 12 takes about a quarter of a
 * second of one core per passcode sent and per passcode tried; at 10 a stolen hash still costs
 * hours of CPU to search through all million codes, long past the few minutes a code works.
 */
const HASH_ROUNDS = 10;

/** A new code: six digits from Node's CSPRNG, each of the million equally likely. */
export function newPasscode(): string {
  return String(randomInt(0, 10 ** PASSCODE_DIGITS)).padStart(PASSCODE_DIGITS, "0");
}

/** What is stored of a code: its bcrypt hash (salted); never the code. */
export function hashPasscode(code: string): Promise<string> {
  return bcrypt.hash(code, HASH_ROUNDS);
}

/** Whether `code` is the one `hash` was made from; bcryptjs compares the hashes in constant time. */
export function passcodeMatches(code: string, hash: string): Promise<boolean> {
  return bcrypt.compare(code, hash);
}
