import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { type Database, openDatabase } from "../db.ts";
import { migrate } from "../migrate.ts";
import { ClientResponseRelay, relayMigrations, responseId } from "./client-response-relay.ts";

let db: Database;
beforeEach(async () => {
  db = await openDatabase(`sqlite://${join(mkdtempSync(join(tmpdir(), "kit-relay-")), "relay.sqlite")}`);
  await migrate(db, relayMigrations);
});
afterEach(async () => {
  await db.close();
});

const answer = (id: string | number, text: string): JSONRPCMessage => ({
  jsonrpc: "2.0",
  id,
  result: { action: "accept", content: { text } },
});

describe("ClientResponseRelay", () => {
  test("an answer parked by one instance is taken exactly once by the asking session", async () => {
    const parking = new ClientResponseRelay(db);
    const asking = new ClientResponseRelay(db);
    expect(await asking.take("s1", 0)).toBeUndefined();
    await parking.deposit("s1", answer(0, "yes"));
    // Ids keep their JSON type: the number 0 and the string "0" are different requests.
    expect(await asking.take("s1", "0")).toBeUndefined();
    expect(await asking.take("s2", 0)).toBeUndefined();
    const [first, second] = await Promise.all([asking.take("s1", 0), parking.take("s1", 0)]);
    expect([first, second].filter((taken) => taken !== undefined)).toEqual([answer(0, "yes")]);
  });

  test("a repeated answer replaces the parked one; old answers are pruned", async () => {
    const relay = new ClientResponseRelay(db);
    await relay.deposit("s1", answer(1, "first"));
    await relay.deposit("s1", answer(1, "second"));
    expect(await relay.take("s1", 1)).toEqual(answer(1, "second"));
    await relay.deposit("s1", answer(2, "late"));
    expect(await relay.prune(Date.now() + 1)).toBe(1);
    expect(await relay.take("s1", 2)).toBeUndefined();
  });

  test("only responses are relayed", async () => {
    expect(responseId(answer(3, "x"))).toBe(3);
    expect(responseId({ jsonrpc: "2.0", id: 4, error: { code: -1, message: "no" } })).toBe(4);
    expect(responseId({ jsonrpc: "2.0", id: 5, method: "ping" })).toBeUndefined();
    expect(responseId({ jsonrpc: "2.0", method: "notifications/initialized" })).toBeUndefined();
    await expect(
      new ClientResponseRelay(db).deposit("s1", { jsonrpc: "2.0", id: 5, method: "ping" }),
    ).rejects.toThrow(/only JSON-RPC responses/);
  });
});
