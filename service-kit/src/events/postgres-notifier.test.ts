/**
 * PostgresNotifier: the events queued in one event-loop turn leave in one NOTIFY statement, and every
 * one of them reaches a LISTENing connection, in order.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { SQL } from "bun";
import { countingStatements, createTestDatabase } from "../../../test/support/postgres.ts";
import { type ChangeEvent, decodeChange } from "./change-event.ts";
import { PostgresNotifier } from "./postgres-notifier.ts";

let url: string;
let sql: SQL;

beforeEach(async () => {
  url = await createTestDatabase("notifier");
  sql = new SQL(url);
}, 60_000);

afterEach(async () => {
  await sql.close();
});

const changed = (uri: string): ChangeEvent => ({ kind: "resource_updated", uri, principal: "alice" });

test("events queued in one turn leave in one statement; each arrives, in order", async () => {
  const heard: string[] = [];
  const listener = new SQL(url);
  const subscription = await listener.listen("changes", (payload) => heard.push(payload));
  try {
    const counted = countingStatements(sql);
    const notifier = new PostgresNotifier(counted.sql, "changes");
    for (const id of ["a", "b", "c"]) notifier.send([changed(`thing://${id}`)]);
    notifier.send([changed("thing://d"), changed("thing://e")]);
    await notifier.flush();
    expect(counted.statements()).toBe(1);
    notifier.send([changed("thing://f")]);
    await notifier.flush();
    expect(counted.statements()).toBe(2);
    for (let tries = 0; tries < 100 && heard.length < 6; tries++) await Bun.sleep(20);
    expect(heard.map((payload) => decodeChange(payload))).toEqual(
      ["a", "b", "c", "d", "e", "f"].map((id) => changed(`thing://${id}`)),
    );
  } finally {
    await subscription.unlisten();
    await listener.close();
  }
});
