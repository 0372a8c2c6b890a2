import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import proxyaddr from "proxy-addr";

const trustByList = new WeakMap<string[], (address: string, hop: number) => boolean>();

/** Each connection's peer, as it was when the connection opened. */
const peers = new WeakMap<Socket, string>();

/**
 * Records a connection's peer address the moment it opens. Node reads it lazily, and a client that
 * has already reset the connection by the time its request is handled has none any more: the
 * address must be taken while the socket is still whole.
 */
export function recordPeer(socket: Socket): void {
  if (socket.remoteAddress) peers.set(socket, socket.remoteAddress);
}

/**
 * The client's address as the server can know it: the peer's, unless the peer is one of
 * `trustedProxies` (SERVER_TRUSTED_PROXIES), in which case `X-Forwarded-For` is read from the right
 * for as long as it names trusted proxies. proxy-addr does it, as Express does. Undefined when the
 * peer is not known: such a request is refused, never let past the limits.
 */
export function clientAddressOf(request: IncomingMessage, trustedProxies: string[]): string | undefined {
  const peer = peers.get(request.socket) ?? request.socket.remoteAddress;
  if (!peer) return undefined;
  let trust = trustByList.get(trustedProxies);
  if (!trust) trustByList.set(trustedProxies, (trust = proxyaddr.compile(trustedProxies)));
  return proxyaddr({ headers: request.headers, socket: { remoteAddress: peer } } as IncomingMessage, trust);
}
