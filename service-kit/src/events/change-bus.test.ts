/**
 * The change bus on real databases: events reach listeners only once their write has committed (a
 * rolled-back write notifies nobody), on SQLite in-process and on PostgreSQL across two buses (two
 * instances), and a PostgreSQL restart puts the bus down, then LISTENs again without losing listeners.
 * Session endings travel the same way, with the write that deletes the session's row, and the
 * PostgreSQL bus vouches that this instance hears them only while it cannot have missed one.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { openTestDatabase } from "../../../test/support/database.ts";
import { createTestDatabase } from "../../../test/support/postgres.ts";
import { startRestartablePostgres } from "../../../test/support/restartable-postgres.ts";
import { type Database, openDatabase } from "../db.ts";
import { migrate } from "../migrate.ts";
import type { BusState, ChangeBus } from "./change-bus.ts";
import type { ChangeEvent } from "./change-event.ts";
import { openChangeBus } from "./open-bus.ts";

const TABLE = [{ id: "001_things", sql: "CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL)" }];

const updated = (uri: string, principal?: string): ChangeEvent => ({
  kind: "resource_updated",
  uri,
  ...(principal ? { principal } : {}),
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

/** A write that inserts a row and publishes `events`, then fails when `fail` is set. */
function changeThing(db: Database, bus: ChangeBus, id: string, events: ChangeEvent[], fail = false) {
  return db.write(async (tx) => {
    await tx`INSERT INTO things (id, n) VALUES (${id}, 1)`;
    await bus.publish(tx, events);
    if (fail) throw new Error("rolled back on purpose");
  });
}

describe("in-process bus (SQLite)", () => {
  test("delivers after commit, and nothing of a write that failed", async () => {
    const raw = await openTestDatabase(TABLE, "sqlite");
    const bus = await openChangeBus(raw, { service: "test" });
    const db = bus.track(raw);
    const heard: ChangeEvent[] = [];
    const stop = bus.subscribe((event) => heard.push(event));
    try {
      // Two writes in one group commit: the failing one's savepoint is rolled back, the other commits.
      const results = await Promise.allSettled([
        changeThing(db, bus, "a", [updated("thing://a", "alice")], true),
        changeThing(db, bus, "b", [updated("thing://b")]),
      ]);
      expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled"]);
      expect(heard).toEqual([updated("thing://b")]);
      const rows = (await db.sql`SELECT id FROM things`) as { id: string }[];
      expect(rows.map((row) => row.id)).toEqual(["b"]);
      expect(bus.state).toBe("up");
      // Another process may share the SQLite file and nothing carries its endings here.
      expect(bus.vouch()).toBeUndefined();
    } finally {
      stop();
      await db.close();
    }
  });

  test.each(["sqlite", "postgres"] as const)(
    "%s: refuses a publish outside a write, which could announce a change that never commits",
    async (dialect) => {
      const raw = await openTestDatabase(TABLE, dialect);
      const bus = await openChangeBus(raw, { service: "test" });
      try {
        await expect(bus.publish(raw.sql, [updated("thing://x")])).rejects.toThrow(/inside the db.write/);
      } finally {
        await raw.close();
      }
    },
  );
});

/** Two instances: two pools (and two LISTEN connections, one bus each) on one fresh database. */
async function twoInstances(name: string) {
  const url = await createTestDatabase(name);
  const first = await openDatabase(url);
  await migrate(first, TABLE);
  const second = await openDatabase(url);
  const a = await openChangeBus(first, { service: "test" });
  const b = await openChangeBus(second, { service: "test" });
  const close = async (): Promise<void> => {
    await Promise.all([a.close(), b.close()]);
    await Promise.all([first.close(), second.close()]);
  };
  return { first, a, b, close };
}

describe("PostgreSQL bus", () => {
  test("a committed write reaches every instance; a rolled-back one reaches none", async () => {
    const { first, a, b, close } = await twoInstances("bus");
    try {
      const heardA: ChangeEvent[] = [];
      const heardB: ChangeEvent[] = [];
      a.subscribe((event) => heardA.push(event));
      b.subscribe((event) => heardB.push(event));
      const tracked = a.track(first);
      await expect(changeThing(tracked, a, "r", [updated("thing://r", "alice")], true)).rejects.toThrow(
        "on purpose",
      );
      await changeThing(tracked, a, "c", [updated("thing://c", "bob"), { kind: "resources_list_changed" }]);
      // A single autocommit statement announces its events once it has succeeded.
      await first.sql`INSERT INTO things (id, n) VALUES ('d', 1)`;
      a.publishCommitted([updated("thing://d")]);
      await until(() => heardB.length >= 3 && heardA.length >= 3);
      // Give a rolled-back notification every chance to show up (it must not).
      await Bun.sleep(100);
      const expected: ChangeEvent[] = [
        updated("thing://c", "bob"),
        { kind: "resources_list_changed" },
        updated("thing://d"),
      ];
      expect(heardB).toEqual(expected);
      expect(heardA).toEqual(expected);
      expect(a.state).toBe("up");
    } finally {
      await close();
    }
  }, 60_000);
});

describe("PostgreSQL bus: session endings", () => {
  test("an ending goes out with the write that deletes the row: every instance hears a committed one, none a rolled-back one", async () => {
    const { first, a, b, close } = await twoInstances("endings");
    try {
      const endedA: string[] = [];
      const endedB: string[] = [];
      const changesB: ChangeEvent[] = [];
      a.onEnd((id) => endedA.push(id));
      b.onEnd((id) => endedB.push(id));
      b.subscribe((event) => changesB.push(event));
      const mark = b.vouch();
      expect(mark).toBeNumber();
      const end = (id: string, fail = false) =>
        first.write(async (tx) => {
          await tx`INSERT INTO things (id, n) VALUES (${id}, 1)`;
          await a.announceEnd(tx, id);
          if (fail) throw new Error("rolled back on purpose");
        });
      await expect(end("session-rolled-back", true)).rejects.toThrow("on purpose");
      await end("session-1");
      await until(() => endedA.length >= 1 && endedB.length >= 1);
      await Bun.sleep(100);
      expect(endedA).toEqual(["session-1"]);
      expect(endedB).toEqual(["session-1"]);
      // An ending is not a change event: no listener of changes hears it.
      expect(changesB).toEqual([]);
      expect(b.stillVouched(mark as number)).toBe(true);
    } finally {
      await close();
    }
  }, 60_000);
});

describe("PostgreSQL bus across a restart", () => {
  let server: Awaited<ReturnType<typeof startRestartablePostgres>> | undefined;
  afterAll(async () => {
    await server?.destroy();
  });

  test("goes down when PostgreSQL stops, LISTENs again when it is back, and keeps its listeners", async () => {
    server = await startRestartablePostgres();
    const admin = new SQL(server.url);
    await admin`CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`;
    await admin.close();
    const db = await openDatabase(server.url);
    const bus = await openChangeBus(db, { service: "test", heartbeatMs: 200 });
    const states: BusState[] = [];
    bus.onStateChange((state) => states.push(state));
    const heard: ChangeEvent[] = [];
    bus.subscribe((event) => heard.push(event));
    try {
      const tracked = bus.track(db);
      await changeThing(tracked, bus, "before", [updated("thing://before")]);
      await until(() => heard.length === 1);
      const markBefore = bus.vouch();
      expect(markBefore).toBeNumber();
      await server.stop();
      await until(() => bus.state === "down");
      expect(bus.state).toBe("down");
      // Endings sent while it was down were never heard: nothing it held before is vouched for.
      expect(bus.vouch()).toBeUndefined();
      expect(bus.stillVouched(markBefore as number)).toBe(false);
      await server.start();
      await until(() => bus.state === "up", 15_000);
      expect(states).toEqual(["down", "up"]);
      expect(bus.stillVouched(markBefore as number)).toBe(false);
      const markAfter = bus.vouch();
      expect(markAfter).toBeNumber();
      expect(bus.stillVouched(markAfter as number)).toBe(true);
      // The pool reconnects by itself too; the first write after a restart may meet a dead connection.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await changeThing(tracked, bus, "after", [updated("thing://after")]);
          break;
        } catch {
          await Bun.sleep(100);
        }
      }
      await until(() => heard.length === 2);
      expect(heard).toEqual([updated("thing://before"), updated("thing://after")]);
    } finally {
      await bus.close();
      await db.close();
    }
  }, 60_000);
});
