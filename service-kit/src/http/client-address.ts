/**
 * The address a request came from, the key of the per-address limits (failed authentication).
 *
 * Behind the ALB the socket peer is the load balancer. The ALB appends the address it accepted the
 * connection from as the LAST entry of `X-Forwarded-For`; every entry before it is whatever the client
 * sent and proves nothing. So the header is read only when TRUSTED_PROXY_HOPS says how many proxies
 * in front of the service append to it: with N, the Nth entry from the right is the caller. With 0
 * (the default, and right for anything reachable without a proxy) the header is ignored, because any
 * caller could otherwise pick a fresh address per request and never be limited.
 */

/** The caller's address; `peer` is the socket's remote address (undefined when Bun cannot tell). */
export function clientAddress(request: Request, peer: string | undefined, trustedHops: number): string {
  const socket = peer ?? "unknown";
  if (trustedHops <= 0) return socket;
  const header = request.headers.get("x-forwarded-for");
  if (header === null) return socket;
  const entries = header.split(",").map((entry) => entry.trim());
  const entry = entries[entries.length - trustedHops];
  // Fewer entries than trusted proxies: the request did not come through them all, so only the socket
  // is known for sure.
  return entry !== undefined && entry !== "" ? entry : socket;
}
