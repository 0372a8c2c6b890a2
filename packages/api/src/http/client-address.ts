import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

const trustByList = new WeakMap<string[], (address: string, hop: number) => boolean>();

/**
 * The client's address as the server can know it: the peer's, unless the peer is one of
 * `trustedProxies` (SERVER_TRUSTED_PROXIES), in which case `X-Forwarded-For` is read from the right
 * for as long as it names trusted proxies. proxy-addr does it, as Express does.
 */
export function clientAddressOf(request: IncomingMessage, trustedProxies: string[]): string | undefined {
  if (!request.socket.remoteAddress) return undefined;
  let trust = trustByList.get(trustedProxies);
  if (!trust) trustByList.set(trustedProxies, (trust = proxyaddr.compile(trustedProxies)));
  return proxyaddr(request, trust);
}
