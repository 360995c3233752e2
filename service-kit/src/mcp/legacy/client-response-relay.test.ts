import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { type Database, openDatabase } from "../../db.ts";
import { migrate } from "../../migrate.ts";
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

const parkedRows = async (): Promise<number> => {
  const rows = (await db.sql`SELECT count(*) AS n FROM mcp_client_responses WHERE message <> ''`) as {
    n: number;
  }[];
  return Number(rows[0]?.n);
};

describe("ClientResponseRelay", () => {
  test("an answer parked by one instance is taken exactly once by the asking session", async () => {
    const parking = new ClientResponseRelay(db);
    const asking = new ClientResponseRelay(db);
    await asking.expect("s1", 0);
    expect(await asking.take("s1", 0)).toBeUndefined();
    expect(await parking.deposit("s1", answer(0, "yes"))).toBe("parked");
    // Ids keep their JSON type: the number 0 and the string "0" are different requests.
    expect(await asking.take("s1", "0")).toBeUndefined();
    expect(await asking.take("s2", 0)).toBeUndefined();
    const [first, second] = await Promise.all([asking.take("s1", 0), parking.take("s1", 0)]);
    expect([first, second].filter((taken) => taken !== undefined)).toEqual([answer(0, "yes")]);
  });

  test("an answer nobody waits for is refused and nothing is stored", async () => {
    const relay = new ClientResponseRelay(db);
    expect(await relay.deposit("s1", answer(7, "unasked"))).toBe("not-outstanding");
    // Another session's open slot does not take this session's answer.
    await relay.expect("s2", 7);
    expect(await relay.deposit("s1", answer(7, "unasked"))).toBe("not-outstanding");
    expect(await parkedRows()).toBe(0);
  });

  test("one answer per request: a second one is refused, and a forgotten request takes none", async () => {
    const relay = new ClientResponseRelay(db);
    await relay.expect("s1", 1);
    expect(await relay.deposit("s1", answer(1, "first"))).toBe("parked");
    expect(await relay.deposit("s1", answer(1, "second"))).toBe("not-outstanding");
    expect(await relay.take("s1", 1)).toEqual(answer(1, "first"));
    expect(await relay.deposit("s1", answer(1, "late"))).toBe("not-outstanding");
    await relay.expect("s1", 2);
    await relay.forget("s1", 2);
    expect(await relay.deposit("s1", answer(2, "after cancel"))).toBe("not-outstanding");
    expect(await parkedRows()).toBe(0);
  });

  test("an answer over the size cap is refused; old slots and answers are pruned", async () => {
    const relay = new ClientResponseRelay(db, 200, 1024);
    await relay.expect("s1", 3);
    expect(await relay.deposit("s1", answer(3, "x".repeat(2000)))).toBe("too-large");
    expect(await relay.deposit("s1", answer(3, "small"))).toBe("parked");
    await relay.expect("s1", 4);
    expect(await relay.prune(Date.now() + 1)).toBe(2);
    expect(await relay.take("s1", 3)).toBeUndefined();
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
