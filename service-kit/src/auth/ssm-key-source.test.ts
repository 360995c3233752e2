import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { type FakeSsm, startFakeSsm } from "../../../test/support/fake-ssm.ts";
import { createLogger } from "../log.ts";
import { createApiKey } from "./api-keys.ts";
import { createSsmClient } from "./ssm-client.ts";
import { SsmKeySource } from "./ssm-key-source.ts";

let ssm: FakeSsm;
const lines: string[] = [];
const log = createLogger("debug", {}, (line) => lines.push(line));

beforeAll(async () => {
  ssm = await startFakeSsm();
  // The real SDK's credential chain reads these; the fake ignores the signature.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0000", AWS_SECRET_ACCESS_KEY: "fake" });
});
afterAll(() => ssm.stop());

const client = (): Promise<SSMClient> => createSsmClient({ region: "us-east-1", endpoint: ssm.endpoint });

describe("SsmKeySource", () => {
  test("rotation: add a key, both work, remove the old one, it stops working on the next refresh", async () => {
    const oldKey = createApiKey("alice", ["orders:read"]);
    const newKey = createApiKey("alice", ["orders:read"]);
    ssm.put("/keys/rotate", JSON.stringify([oldKey.record]));
    const source = await SsmKeySource.start({
      client: await client(),
      parameter: "/keys/rotate",
      ttlSeconds: 3600,
      log,
    });
    try {
      expect(source.current().lookup(oldKey.key).ok).toBe(true);
      expect(source.current().lookup(newKey.key).ok).toBe(false);
      ssm.put("/keys/rotate", JSON.stringify([oldKey.record, newKey.record]));
      await source.refresh();
      expect(source.current().lookup(oldKey.key).ok).toBe(true);
      expect(source.current().lookup(newKey.key).ok).toBe(true);
      ssm.put("/keys/rotate", JSON.stringify([newKey.record]));
      await source.refresh();
      expect(source.current().lookup(oldKey.key)).toEqual({ ok: false, reason: "unknown" });
      expect(source.current().lookup(newKey.key).ok).toBe(true);
    } finally {
      source.stop();
    }
  });

  test("the background timer picks up changes within the TTL", async () => {
    const key = createApiKey("bob", ["products:read"]);
    ssm.put("/keys/timer", "[]");
    const source = await SsmKeySource.start({
      client: await client(),
      parameter: "/keys/timer",
      ttlSeconds: 0.2,
      log,
    });
    try {
      expect(source.current().lookup(key.key).ok).toBe(false);
      ssm.put("/keys/timer", JSON.stringify([key.record]));
      await Bun.sleep(600);
      expect(source.current().lookup(key.key).ok).toBe(true);
    } finally {
      source.stop();
    }
  });

  test("SSM down during a run: the last good set stays and a warning is logged", async () => {
    const key = createApiKey("carol", ["products:read"]);
    ssm.put("/keys/down", JSON.stringify([key.record]));
    const source = await SsmKeySource.start({
      client: await client(),
      parameter: "/keys/down",
      ttlSeconds: 3600,
      log,
    });
    try {
      await ssm.down("503");
      await source.refresh();
      expect(source.current().lookup(key.key).ok).toBe(true);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("API key refresh failed"));
      expect(warning).toMatchObject({ level: "warn", parameter: "/keys/down", keys: 1 });
    } finally {
      ssm.up();
      source.stop();
    }
  });

  test("fails closed at start: missing parameter, SSM down, bad JSON, bad records", async () => {
    const start = async (parameter: string): Promise<SsmKeySource> =>
      SsmKeySource.start({ client: await client(), parameter, ttlSeconds: 60, log });
    await expect(start("/keys/missing")).rejects.toThrow(
      "cannot read SSM parameter /keys/missing: ParameterNotFound",
    );
    ssm.put("/keys/notjson", "alice=xyz");
    await expect(start("/keys/notjson")).rejects.toThrow("is not JSON");
    ssm.put("/keys/bad", JSON.stringify([{ id: "k", principal: "a", sha256: "plaintext", scopes: [] }]));
    await expect(start("/keys/bad")).rejects.toThrow("invalid key record at [0.sha256]");
    await ssm.down("refuse");
    try {
      await expect(start("/keys/bad")).rejects.toThrow("cannot read SSM parameter /keys/bad");
    } finally {
      ssm.up();
    }
  });
});
