import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aliasNames, ServiceUrlError, serviceUrl } from "./service-url.ts";

const dir = mkdtempSync(join(tmpdir(), "service-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "environments", "staging"), { recursive: true });
writeFileSync(join(dir, "environments", "staging", "manifest.yml"), "name: staging\n");

function manifest(service: string, yaml: string): string {
  mkdirSync(join(dir, service), { recursive: true });
  writeFileSync(join(dir, service, "manifest.yml"), yaml);
  return service;
}

describe("serviceUrl", () => {
  test("the environment's alias wins over the base one; the path is appended", () => {
    const name = manifest(
      "a",
      "http:\n  path: /a\n  alias: base.example.com\nenvironments:\n  staging:\n    http:\n      alias: [{name: mcp.staging.example.com, hosted_zone: Z1}]\n",
    );
    expect(serviceUrl(name, "staging", dir)).toBe("https://mcp.staging.example.com/a");
  });

  test("a service without an alias for the environment: the error says what to set", () => {
    const name = manifest("b", "http:\n  path: /b\n");
    expect(() => serviceUrl(name, "staging", dir)).toThrow(
      new ServiceUrlError(
        `${join(dir, "b", "manifest.yml")} has no http.alias for "staging". Set environments.staging.http.alias to the host the environment's certificate covers (docs/deploy.md, step 2).`,
      ),
    );
  });

  test("unknown environment, unknown service, a malformed host", () => {
    const name = manifest("c", "http:\n  path: /c\n  alias: 'mcp example.com'\n");
    expect(() => serviceUrl(name, "qa", dir)).toThrow('Unknown environment "qa"');
    expect(() => serviceUrl("nope", "staging", dir)).toThrow('Unknown service "nope"');
    expect(() => serviceUrl(name, "staging", dir)).toThrow(
      'http.alias "mcp example.com" for "staging" is not a host name',
    );
  });

  test("aliasNames reads every form Copilot accepts", () => {
    expect(aliasNames("a.example.com")).toEqual(["a.example.com"]);
    expect(aliasNames(["a.example.com", "b.example.com"])).toEqual(["a.example.com", "b.example.com"]);
    expect(aliasNames([{ name: "a.example.com", hosted_zone: "Z1" }])).toEqual(["a.example.com"]);
    expect(aliasNames(undefined)).toEqual([]);
    expect(() => aliasNames([{ hosted_zone: "Z1" }])).toThrow("needs a host name");
  });
});
