/**
 * What "loopback" means: an IPv4 literal in 127.0.0.0/8 written as four decimal octets, the IPv6
 * loopback `::1` (bare or in brackets), or exactly the name `localhost`. Never a string prefix: names
 * such as `127.0.0.1.nip.io` or `127.rebind.attacker.tld` are public DNS names that anyone can point at
 * any address, which is how DNS rebinding reaches a local server. This decides the Host check, which
 * browser origins pass on a loopback bind (and get CORS headers), and the auth defaults.
 */

// 0-255 without leading zeros: "127.000.0.1" is not how any client writes loopback.
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const LOOPBACK_V4 = new RegExp(`^127(?:\\.${OCTET}){3}$`);

/** True for a host (no port) that can only mean this machine. Case-insensitive, as DNS names are. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return name === "localhost" || name === "::1" || name === "[::1]" || LOOPBACK_V4.test(name);
}

// A Host header is `host[:port]`, with IPv6 literals in brackets: "[::1]:3001", "localhost:3001".
const HOST_HEADER = /^(\[[^\]]*\]|[^:[\]]*)(?::([0-9]{1,5}))?$/;

/** The host part of a `Host` header, or undefined when the header is not `host[:port]`. */
export function hostOfHostHeader(header: string): string | undefined {
  const match = HOST_HEADER.exec(header.trim());
  return match?.[1] || undefined;
}

/** True when a `Host` header names loopback (with or without a port). */
export function isLoopbackHostHeader(header: string): boolean {
  const host = hostOfHostHeader(header);
  return host !== undefined && isLoopbackHost(host);
}
