import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";

const script = join(import.meta.dir, "install-copilot.sh");
const assetArch = arch() === "arm64" ? "arm64" : "amd64";
const asset = `copilot-linux-${assetArch}-v1.34.1`;
const binary = "#!/bin/sh\necho 'copilot version: v1.34.1'\n";
const sha256 = createHash("sha256").update(binary).digest("hex");

// A local stand-in for the GitHub release download, serving one asset.
const requests: string[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const { pathname } = new URL(request.url);
    requests.push(pathname);
    return pathname === `/releases/download/v1.34.1/${asset}`
      ? new Response(binary)
      : new Response("not found", { status: 404 });
  },
});
const work = mkdtempSync(join(tmpdir(), "install-copilot-"));
afterAll(() => {
  server.stop(true);
  rmSync(work, { recursive: true, force: true });
});

// Async spawn: a synchronous one would block this process's event loop, and with it the server.
async function install(dir: string, env: Record<string, string>) {
  const child = Bun.spawn(["bash", script, dir], {
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: work,
      COPILOT_DOWNLOAD_BASE: `http://127.0.0.1:${server.port}/releases/download/v1.34.1`,
      ...env,
    },
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

describe("install-copilot.sh", () => {
  test("pins v1.34.1 and a 64-hex SHA-256 for both Linux architectures", () => {
    const text = readFileSync(script, "utf8");
    expect(text).toContain('readonly VERSION="1.34.1"');
    expect(text).toMatch(/readonly SHA256_LINUX_AMD64="[0-9a-f]{64}"/);
    expect(text).toMatch(/readonly SHA256_LINUX_ARM64="[0-9a-f]{64}"/);
  });

  test("installs the binary when its checksum matches", async () => {
    const dir = join(work, "ok");
    const result = await install(dir, { COPILOT_EXPECTED_SHA256: sha256 });
    expect(result.code).toBe(0);
    expect(result.out).toContain(`installed Copilot v1.34.1 (${assetArch}, sha256 ${sha256})`);
    expect(readFileSync(join(dir, "copilot"), "utf8")).toBe(binary);
    expect(statSync(join(dir, "copilot")).mode & 0o111).toBe(0o111);
    expect(requests).toContain(`/releases/download/v1.34.1/${asset}`);
  });

  test("refuses a binary whose checksum differs, and installs nothing", async () => {
    const dir = join(work, "tampered");
    const result = await install(dir, { COPILOT_EXPECTED_SHA256: "0".repeat(64) });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`checksum mismatch for ${asset}: expected ${"0".repeat(64)}, got ${sha256}`);
    expect(existsSync(join(dir, "copilot"))).toBe(false);
  });

  test("the pinned checksum is what guards a download by default", async () => {
    // Our stand-in binary is not the real Copilot, so the pinned value must reject it.
    const dir = join(work, "pinned");
    const result = await install(dir, {});
    expect(result.code).toBe(1);
    expect(result.err).toContain("checksum mismatch");
    expect(existsSync(join(dir, "copilot"))).toBe(false);
  });

  test("a failed download is reported clearly", async () => {
    const result = await install(join(work, "missing"), {
      COPILOT_DOWNLOAD_BASE: `http://127.0.0.1:${server.port}/nowhere`,
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain("install-copilot: download of");
  });
});
