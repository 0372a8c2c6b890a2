/**
 * Who sent the request being answered, as the rules need it: plain values, read by whichever door
 * the request came through. The rules never see the request itself.
 */
export interface Requester {
  /** The id of the answer (its `X-Request-Id`), which audit entries and log lines name. */
  requestId: string;
  /** The client's address, as the rate limit counts it (see http/client-address.ts). */
  address: string;
  /** Its `User-Agent`, when it sent one. */
  userAgent: string | undefined;
}
