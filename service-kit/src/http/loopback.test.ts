import { describe, expect, test } from "bun:test";
import { hostOfHostHeader, isLoopbackHost, isLoopbackHostHeader } from "./loopback.ts";

describe("isLoopbackHost", () => {
  test("IPv4 literals in 127.0.0.0/8, ::1 and exactly localhost are loopback", () => {
    for (const host of ["127.0.0.1", "127.0.0.5", "127.255.255.255", "127.1.2.3", "localhost", "LOCALHOST"])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["::1", "[::1]"]) expect(isLoopbackHost(host)).toBe(true);
  });

  test("look-alike names that merely start with 127. are not loopback (DNS rebinding)", () => {
    for (const host of [
      "127.0.0.1.attacker.example",
      "127.0.0.1.nip.io",
      "127.rebind.attacker.tld",
      "127.",
      "127.0.0",
      "127.0.0.1.",
      "127.0.0.256",
      "127.000.0.1",
      "127.0.0.1 ",
      "localhost.attacker.example",
      "localhost.",
      "sub.localhost",
      "[::1].attacker.example",
      "0.0.0.0",
      "10.0.0.1",
      "128.0.0.1",
      "::",
      "example.com",
      "",
    ])
      expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("Host headers", () => {
  test("the host part is read with or without a port, IPv6 in brackets", () => {
    expect(hostOfHostHeader("127.0.0.1:3001")).toBe("127.0.0.1");
    expect(hostOfHostHeader("[::1]:3001")).toBe("[::1]");
    expect(hostOfHostHeader("[::1]")).toBe("[::1]");
    expect(hostOfHostHeader("localhost")).toBe("localhost");
    expect(hostOfHostHeader("127.0.0.1:3001:1")).toBeUndefined();
    expect(hostOfHostHeader("127.0.0.1:port")).toBeUndefined();
    expect(hostOfHostHeader("")).toBeUndefined();
  });

  test("loopback Host headers pass, look-alikes do not", () => {
    for (const header of ["127.0.0.1:3001", "localhost:3001", "[::1]:3001", "127.0.0.1"])
      expect(isLoopbackHostHeader(header)).toBe(true);
    for (const header of [
      "127.0.0.1.nip.io",
      "127.0.0.1.nip.io:3001",
      "127.rebind.attacker.tld",
      "127.0.0.1@evil.example",
      "::1",
      "evil.example:3001",
    ])
      expect(isLoopbackHostHeader(header)).toBe(false);
  });
});
