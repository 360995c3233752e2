/**
 * The hand-kept part of docs/performance.md: what was changed for speed (each change's A/B, measured
 * when it was made) and what is left. The figures of the run itself come from the report.
 */
import type { BenchReport } from "./report.ts";

/** How the ping case (every step of a call but the tool) compares with the ceiling, in this run. */
function floorSentence(report: BenchReport): string {
  const ping = report.cases.find((item) => item.id === "product-ping-stateless");
  const ceiling = report.cases.find((item) => item.id === "ceiling");
  if (!ping || !ceiling || ceiling.requestsPerSecond === 0) return "";
  const percent = ((ping.requestsPerSecond / ceiling.requestsPerSecond) * 100).toFixed(1);
  return `The ping row, every step of a call except a tool and a query, reached ${percent}% of the ceiling in this run (${ping.cpuMsPerRequest} ms of CPU per request): that is the floor, and get_product adds its tool and query on top.`;
}

/** The real-client get_product cases' share of the ceiling in this run, e.g. "11.7–13.3%". */
function realGetShare(report: BenchReport): string {
  const shares = report.realClientRatios
    .filter((ratio) => ratio.case.startsWith("real-get-"))
    .map((ratio) => ratio.overCeiling * 100);
  if (shares.length === 0) return "not measured";
  const low = Math.min(...shares).toFixed(1);
  const high = Math.max(...shares).toFixed(1);
  return low === high ? `${low}%` : `${low}–${high}%`;
}

/**
 * Why search_products cannot reach a quarter of the ceiling with every check kept, from this run's
 * CPU per request: what a quarter leaves for the tool itself once the ping (every other step) is paid.
 */
function searchBudgetSentence(report: BenchReport): string {
  const cpu = (id: string): number | undefined =>
    report.cases.find((item) => item.id === id)?.cpuMsPerRequest;
  const ceiling = cpu("ceiling");
  const ping = cpu("product-ping-stateless");
  const get = cpu("product-get-stateless");
  const search = cpu("product-search-stateless");
  if (!ceiling || !ping || !get || !search) return "";
  const ms = (value: number): string => value.toFixed(3);
  return `By CPU per request in this run (JSON-only rows), a quarter of the ceiling is ${ms(ceiling * 4)} ms; the ping, every step but the tool, used ${ms(ping)} ms, which leaves ${ms(ceiling * 4 - ping)} ms for the tool itself. get_product's tool (one primary-key read, one product) took ${ms(get - ping)} ms over the ping; search_products' took ${ms(search - ping)} ms.`;
}

export function renderSpeedHistory(report: BenchReport): string {
  return `## What was changed for speed

Each change was measured A/B on the same machine (server CPU per request, or interleaved runs), and kept
only because it helped. Nothing is skipped: Origin/Host checks, auth and scopes, body checks, the SDK's
request, input, output and result validation, and one log line per request all still run.

1. **Pooled McpServers for stateless requests** (service-kit/src/mcp/legacy/server-pool.ts). Building a server
   was the largest cost: the SDK builds a new Ajv instance per McpServer and every tool's zod schemas
   were built again per request. A stateless request borrows an idle server of the same principal; a
   server serves one request at a time, and only methods that leave no state in it (tools/call,
   tools/list, resources/read …) are pooled. **2.2 → 0.37 ms CPU per get_product.**
2. **One stdout write per event-loop turn for log lines** (service-kit/src/log.ts), flushed on exit.
   **0.37 → about 0.28 ms.**
3. **An in-process transport for stateless JSON calls** (service-kit/src/mcp/legacy/in-process-transport.ts).
   The SDK's HTTP transport cost more than the call: a new transport per request, connect, a zod parse
   of the envelope, stream bookkeeping, close. Pooled servers now stay connected to a transport that
   takes one plain JSON-RPC request and returns its response; the endpoint has done the HTTP checks
   already. Anything unusual (notifications, \`_meta\`, an unknown protocol version, SSE answers,
   sessions) still goes through the SDK's transport, so its checks and messages apply unchanged.
   About 15% less CPU per get_product (A/B, 2 × 2 runs).
4. **Cached SQLite reads** (service-kit/src/db/sqlite-reads.ts). Bun's SQL client prepares and
   finalizes every statement on every query. Plain SELECTs now run on a second bun:sqlite connection
   that keeps one prepared statement per call site, and reads only committed data. get_product in
   process: 54.6 → 44.9 µs per call (median of 6 alternating runs).
5. **Group commit on SQLite** (service-kit/src/db/group-commit.ts). Each order made three commits
   (two in order-service, one in product-service), each an fsync on the event loop with
   \`synchronous = FULL\`. Writes that arrive together now share one COMMIT, each in its own savepoint,
   and every caller is answered only after the COMMIT that holds its write: durability is unchanged.
   order-service also no longer reads an order back after writing it. create_order, interleaved A/B:
   **188 → 713 orders/s median (busy machine), CPU 4.2 → 1.1 ms per order.**
6. **Cold start.** Compiled with \`--bytecode\` (about 70 ms), \`--splitting\` (the AWS SDK, loaded only
   for SSM secrets, and the Node modules it needs stay out of the entry chunk) and
   \`--compile-jit-policy=16\` (start-up code runs once, so it is not JIT-compiled; the normal policy is
   restored once the server listens); a start with nothing to migrate reads \`schema_migrations\` once;
   the demo seed writes multi-row INSERTs. Interleaved old/new builds: **178 → 133 ms** on an existing
   database, **212 → 150 ms** on a fresh one, on a busy machine. None of the flags changes the CPU per
   request measurably (scripts/build.ts says what each was measured to do).

7. **2025 answers in JSON unless a stream is needed** (service-kit/src/mcp/stream-need.ts). Real clients
   accept both JSON and SSE; an answer was SSE, and in a session every event was written to the event
   store. A call now gets SSE only when it may send something before its result (a progress token, or
   a tool that may ask a client that declared elicitation); a JSON answer writes no event row.
   Stateless read-only calls with both Accept types use the pooled in-process servers. A/B against
   f51b8c0 (\`bench/ab.ts --seconds 4 --rounds 5\`, best rounds): **2025 session 0.796 → 0.274 ms
   CPU per get_product (951 → 3,432 req/s), stateless both types 1.049 → 0.202 ms, create_order
   stateless both types 2.919 → 0.989 ms.** Routing by era without the SDK classifier's second zod
   pass, and Elysia hooks that copy no headers, cookies or query: each within noise.
8. **A direct path for plain tool calls** (service-kit/src/mcp/direct/). A 2026-07-28 \`tools/call\` exactly
   as the SDK v2 client sends it, and a plain \`tools/call\` in a 2025 session answered in JSON, of a kit
   tool that never asks the client, is served by a pooled server on an in-process transport instead of
   the SDK's \`createMcpHandler\` (zod classification, envelope and header checks, a transport connected
   and closed per request) or the session's transport. Only requests those checks would accept
   unchanged take it; everything else goes to the SDK as before. The SDK's own dispatch still runs the
   envelope check, request schema, input and output validation. \`direct/direct-calls.test.ts\` and
   \`direct/session-calls.test.ts\` send the same requests through both paths and compare status,
   headers and body. A held session now reads only its liveness (principal, last seen), still on every
   request (on PostgreSQL, since item 32, only when the bus cannot vouch for session endings). A/B against bf32df3 (best of 3): **modern 0.278 → 0.210 ms CPU per get_product, session
   0.239 → 0.183 ms, stateless 0.174 → 0.149 ms.**
9. **create_order: one internal call, fewer statements** (order-service/src/orders/,
   product-service/src/reservations/). The reservation carries an unconfirmed order's limit, so the
   separate quote call is gone; on PostgreSQL each write of an order, and a new reservation, is one
   statement (5 statements per order instead of 16). \`scripts/order-ab.ts\`, medians against f51b8c0:
   **SQLite 1.22–1.40×, PostgreSQL 1.42–1.52× orders/s, 0.61–0.77× CPU per order.**
10. **Live-update events leave after the commit, batched** (service-kit/src/events/postgres-notifier.ts).
   \`pg_notify\` inside a write serialises commits behind PostgreSQL's NOTIFY lock through the WAL
   flush: pgbench, 32 clients, INSERT + COMMIT, **2,943–3,065 tps without, 929–1,346 tps with it**.
11. **search_products: one statement per query shape, kept prepared** (product-service/src/catalog/search.ts,
   service-kit/src/db/sqlite-reads.ts). Search was built from fragments, so Bun's client prepared both
   of its statements on every call; it is now text with numbered parameters, the SQLite reader keeps
   \`unsafe\` SELECTs prepared per text (at most 256), and \`count(*) OVER ()\` gives the total in the
   same scan. A/B against e837a06 (\`bench/ab.ts --only search-v2\`, best of 3): **1.094 → 0.666 ms CPU,
   853 → 1,379 req/s.**
12. **search_products: one LIKE per term, and a statement that stays prepared**
   (product-service/src/catalog/search.ts, migrations/003_search_text.*.sql). SQLite's planner reads
   the bound value of a \`LIKE\` pattern in a WHERE clause and of \`LIMIT\`/\`OFFSET\`, so binding them
   marked the cached statement expired: search was compiled anew on every call. They now sit behind
   \`CAST($n AS TEXT/INTEGER)\`. And each product keeps its lowered name, description, category id and
   category name in \`search_text\` (filled by triggers), so a term is one \`LIKE\` instead of four
   \`lower(…) LIKE\`. Matches, ranking, totals and cursors are unchanged (search-differential.test.ts).
   The statement alone: 190 → 30 µs. A/B against 52b0a05 (\`bench/ab.ts --only search-v2\`, best of 3):
   **0.661 → 0.296 ms CPU, 1,369 → 2,894 req/s.**
13. **Per-request trims in the kit** (service-kit/src/app/guard.ts, log.ts, origin-guard, read-post,
   server-pool). The caller's address (a system call) is looked up only when a limit needs it; the
   Host verdict is remembered per value; the log line is built in place with its time text made once
   per millisecond; an idle pooled server is taken without a promise. Same answers, checks and log
   bytes. A/B against 52b0a05 (\`bench/ab.ts --only modern-v2,session-2025,stateless-2025\`, 5 rounds,
   best): **2026-07-28 0.200 → 0.189 ms CPU, stateless 0.214 → 0.187 ms; the 2025 session within
   noise.** Each trim alone is under 1% of the profile.
14. **SQLite writes on statements kept prepared** (service-kit/src/db/sqlite-writes.ts). Bun's SQL
   client prepared and finalized every write statement on every call, inside the group commit's
   transactions too. The group commit now runs on a third connection (bun:sqlite, \`synchronous = FULL\`,
   \`BEGIN IMMEDIATE\`) that keeps a statement per call site, or per text for \`unsafe\` and \`IN \${sql(list)}\`
   (at most 256). One order runs four statements in order-service and five in product-service, plus a
   savepoint each: timed alone on a real file (\`scripts/sqlite-write-cost.ts\`), **14–50 µs → 3–18 µs
   per statement, about 250 → 85 µs per order.**
   \`scripts/order-ab.ts --request all --seconds 4 --rounds 3\` against 845788b, medians:
   **CPU per order 1.85 → 1.44 ms (json), 1.65 → 1.08 ms (stateless), 1.96 → 1.52 ms (modern);
   338 → 414, 529 → 818, 453 → 582 orders/s** (a busy machine: compare the CPU).
15. **SQLite reads share a snapshot for up to 2 ms** (service-kit/src/db/sqlite-reads.ts). Opening and
   closing a read transaction takes WAL lock system calls: a one-row read by key costs about 8 µs on
   its own and under 2 µs inside an open transaction. The reader keeps one snapshot for at most 2 ms
   and ends it before every commit of the process, so a read after a write of this process always sees
   it (read-snapshot.test.ts); another process's commit (an operator's \`seed\`) is seen at most 2 ms
   late. A/B against e9b2749 (\`bench/ab.ts --only modern-v2,search-v2\`, 3 rounds): **get_product
   0.170 → 0.160 ms CPU best round (medians 0.186 → 0.163), search 0.270 → 0.230 ms.**
16. **zod's compiled validation** (\`import "zod/compile"\` first in each binary's main.ts; tests
   preload it). zod 4.6 generates a validator per schema; a valid value takes it, an invalid one goes
   to zod's usual parser, so the errors are the same. The MCP SDK builds its schemas with the same
   zod, so its request, result and tool-output checks get faster too (the SDK's envelope schema is one
   zod leaves uncompiled). A/B against ca2323b, 3 rounds, best: **get_product 2026-07-28 0.175 → 0.163
   ms CPU (medians 0.199 → 0.165), 2025 session 0.198 → 0.189 ms, search 0.311 → 0.249 ms** (a first
   run read 0.287 → 0.319 ms for search on a busier machine), stateless within noise.
17. **The direct path answers without the SDK's dispatch** (service-kit/src/mcp/sdk/internals.ts
   \`answerToolCall\`). For a plain tools/call of a tool that never asks the client, the SDK's own
   registered handler (request schema, tool lookup, input and output validation, projection, result
   schema) runs and the era's codec encodes the result; Protocol's per-request dispatch around it (era
   gate, envelope schema, which plain-call.ts already narrows further, abort bookkeeping, an in-process
   transport round trip) does not. Byte-identical answers (direct-calls.test.ts, session-calls.test.ts).
   A/B against 6a8c731, 3 rounds, best: **2026-07-28 0.165 → 0.154 ms CPU, 2025 session 0.184 →
   0.161 ms**, search within noise. 2025 stateless calls of such tools too (legacy/handler.ts,
   stateless-calls.test.ts), against fef339d: **0.157 → 0.153 ms best, medians 0.170 → 0.156 ms.**

18. **create_order takes the direct path too** (service-kit/src/mcp/direct/direct-calls.ts). A tool
   that may ask the user to confirm went to the SDK's path, although the calls real clients send cannot
   ask: the SDK v2 client declares no capabilities, and a 2025 call answered in JSON has no stream for
   a question, so \`call.confirm\` says "cannot-ask" on both paths. Such calls are now served directly;
   a client that can be asked still gets its question through the SDK (direct-calls.test.ts,
   session-calls.test.ts, stateless-calls.test.ts compare the answers). \`scripts/order-ab.ts
   --request all --seconds 4 --rounds 3\` against f0fdd0b, medians: **2026-07-28 on SQLite 681 → 917
   orders/s, 1.31 → 0.94 ms CPU per order (1.35×, 0.72×)**; on PostgreSQL (\`--db postgres --request
   modern\`) **197 → 248 orders/s, 4.85 → 3.84 ms per order with the database's CPU (1.26×, 0.79×)**;
   json and stateless unchanged (1.02×, 1.03×).
19. **list_changed paced per 2025 session** (service-kit/src/mcp/legacy/list-changed-pacer.ts). Each
   order placed sent \`notifications/resources/list_changed\` to every listening session of its
   principal, each an SSE write and a durable row in the event store. The first change is still sent at
   once; the ones within the next 20 ms become one notification at its end. \`bench/ab.ts --base
   6b17ae2 --seconds 4 --rounds 3 --only order-session-2025\` (create_order in an SDK v1 session with
   its GET stream open, order-service's CPU): **0.937 → 0.800 ms CPU per order best (medians 0.989 →
   0.859), 1.15× orders/s.** A listener at a person's pace hears list_changed up to 20 ms later
   (\`scripts/event-latency.ts\`, 2025: median 9 → 17 ms, p99 24 → 25 ms).
20. **\`IN \${sql(ids)}\` reads on the cached connection** (service-kit/src/db/sql-values.ts). Such a read
   (which sessions subscribed to a changed order, once per order placed while a 2025 GET stream is
   open; the lines of a \`list_orders\` page) went to Bun's SQL client, and making the list ended the
   shared read snapshot for the next 2 ms. The list now expands to \`(?, ?, …)\` on the read connection,
   one statement per number of items. \`bench/ab.ts --base ca32c04 --only order-session-2025\`: with 5
   rounds **0.791 → 0.725 ms CPU per order best (medians 0.857 → 0.768), 1.13× orders/s**; a first run
   with 3 rounds read 0.700 → 0.759 (medians 0.911 → 0.960). Once ab.ts warmed each side up to
   15,000 requests as the bench does: **0.776 → 0.671 ms best, medians 0.866 → 0.671**, while
   stateless create_order, which makes no such read, moved 0.631 → 0.610 (medians) in the same run.
21. **A reservation on PostgreSQL is one statement** (product-service/src/reservations/postgres-reserve.ts,
   decide.ts). product-service read the order's reservation, then the products, then wrote the
   reservation, its stock and its lines in one statement. Now one statement reads both and writes only
   when the decision on what it read is "take" (no reservation yet, every product known and in stock,
   one currency, within the cap); the same rules (decide.ts) then decide the answer from the rows it
   read. A stock change after its snapshot still fails it whole (postgres-reserve.test.ts holds a row
   lock to show it). \`scripts/order-ab.ts --db postgres --request modern --seconds 5 --rounds 6\`
   against 0e6097d, medians: **207 → 225 orders/s (1.09×), product-service 0.90 → 0.72 ms CPU per
   order**, all processes with the database 4.73 → 4.48 ms (0.95×). One connection, one reservation
   after another (temporary script): 1.17 → 0.93 ms of wall time per reservation, the backend's CPU
   0.55 → 0.53 ms.
22. **Reservations on PostgreSQL share a transaction** (product-service/src/reservations/postgres-batches.ts).
   Every order of one product updates its row, and PostgreSQL holds a row's lock until the COMMIT is
   on disk: with one transaction per reservation, orders of one product went one WAL flush after
   another. \`pg_stat_statements\` under create_order load put **9.6 ms of execution time on each
   reservation statement**, nearly all of it waiting for that lock; afterwards about 0.5 ms. The
   statements that arrive together are now sent in one stream in one transaction, ordered by their
   first product id so that two instances' batches lock rows in one order (postgres-batches.test.ts
   shows the deadlock that arrival order made); each caller hears its result after the COMMIT. If any fails (stock taken by another transaction
   meanwhile, a deadlock with another instance), nothing of the batch is written and each runs again
   alone; one that arrives alone is sent alone, as before (postgres-batches.test.ts). A first version
   ran them through the SQLite group commit's class, each in a savepoint (two more round trips each,
   and BEGIN/COMMIT around a lone one); \`scripts/order-ab.ts --db postgres --request modern --seconds 5
   --rounds 4\`, services and PostgreSQL on one core, medians: that version against daa17ce **291 → 363
   orders/s (1.25×), 3.39 → 2.70 ms CPU per order with the database's (0.80×)**; this one against
   daa17ce, at a slower moment, **183 → 252 orders/s (1.38×), 5.16 → 4.22 ms (0.82×)**; this one against
   the first, 0.98× orders/s and 0.99× CPU, so it was kept for its lone-statement path and fewer round
   trips, not for speed under load.

23. **Reservations made together travel in one request** (order-service/src/reservation-batches.ts,
   product-service's \`POST /internal/reservations/batch\`). order-service sent product-service one
   request per reservation. Where the two share a core, as in the bench, each woke the other for every
   order, and product-service answered about one request per wake-up: its reservation route cost 0.41–0.49
   ms of CPU a reservation under create_order, against 0.19–0.21 ms when 32 connections load it alone
   (temporary script). Running both services under \`SCHED_BATCH\`, where a woken process does not take
   the core from the running one, gave **1.15× orders/s, 0.84× CPU per order**
   (\`scripts/order-ab.ts --a dist --b dist --b-sched-batch --request modern\`, before this change). The reservations queued in
   one event-loop turn (orders whose pending rows shared a commit) now leave in one batch of at most 64,
   and product-service answers each as the single route would have answered it alone; a lone one goes
   to the single route as before, and a product-service without the batch route gets single requests.
   \`scripts/order-ab.ts --a <a9aacb7 build> --b dist --seconds 5 --rounds 4\`, medians: **SQLite
   2026-07-28 789 → 1,081 orders/s (1.37×), 1.158 → 0.858 ms CPU per order (0.74×); stateless 902 →
   1,155 (1.28×), 0.995 → 0.745 ms (0.75×); PostgreSQL 2026-07-28 (\`--db postgres\`) 327 → 373
   (1.14×), 3.179 → 2.760 ms with the database's (0.87×)**. product-service's share fell from 0.35–0.48
   to 0.22–0.27 ms per order on SQLite.

24. **Order writes made together share a transaction on PostgreSQL**
   (order-service/src/orders/postgres-write-batches.ts). An order's pending row and its confirmation
   were one autocommit statement each: a COMMIT, a WAL flush and a wake-up of a backend per statement.
   The order writes queued in one event-loop turn (pending rows and confirmations alike) now go,
   pipelined, in one transaction; each caller hears of its write after that COMMIT, and if any statement fails nothing
   of the batch is kept and each runs again alone. \`scripts/order-ab.ts --a <ecdbc53 build> --b dist
   --db postgres --seconds 5 --rounds 4\`, medians: **2026-07-28 380 → 472 orders/s (1.24×), 2.556 →
   2.246 ms CPU per order with the database's (0.88×); stateless 331 → 389 (1.18×), 3.028 → 2.446 ms
   (0.81×)**. \`scripts/postgres-write-cost.ts\`, which sends the same writes through the same code,
   read PostgreSQL's CPU per order falling from 1.23–1.45 ms to 0.83–1.07 ms. Alone with that script
   (no services, no load generator) batches place fewer orders per second (741–922, against
   896–1,100), since a write now waits for the batch before it; the services share the machine with
   PostgreSQL, where the CPU saved counts for more.

25. **Servers share their tools' schemas** (service-kit/src/mcp/tools.ts \`registerTool\`, the services'
   tools.ts). Every server a service builds (one per 2025 session, up to 64 pooled ones for stateless
   and 2026-07-28 calls) registered its tools with a new \`z.object\` of a new shape, and zod compiles a
   validator per schema object: with 32 connections about 32 copies of each tool's validators ran side
   by side, each warming up in the JIT on its own, for 32 times as many calls (after a 15 s warm-up JSC
   still compiled a part of create_order's input validator 32 times in 6 s, and the JIT threads used
   5–21 µs of CPU per order in order-service and 4–41 µs in product-service; afterwards 0 and 4.7 µs,
   read per thread from \`/proc\`). The shapes are now defined once per service and
   \`registerTool\` keeps one object schema per shape, shared by every server (tools.test.ts).
   \`bench/ab.ts --base 950515d --seconds 4 --rounds 3\`, best rounds: **create_order in a 2025
   session 0.493 → 0.417 ms CPU per order (medians 0.589 → 0.472), 1.11× orders/s, order-service RSS
   158 → 138 MB; get_product 2026-07-28 0.162 → 0.143 ms (medians 0.167 → 0.154)**; 2025 session and
   search within 1.06×. \`scripts/order-ab.ts --request modern\`, medians: **1,235 → 1,337 orders/s
   (1.08×), 0.733 → 0.670 ms CPU per order (0.91×)**, order-service's share lower in all 4 rounds.
26. **The internal reservation bodies are encoded without zod's interpreter**
   (reservation-contract/src/wire.ts \`encodeReserveRequest\`, \`encodeReservedResponse\`). order-service
   encoded every reservation request, and product-service every answer, by running the contract's
   codecs backwards, which zod does on its interpreter; both now map the value to the wire form and
   check that with the same schema's compiled validator: the same bodies and the same refusals
   (wire-encoders.test.ts). Timed alone: **6.1 → 0.9 µs per request, 3.0 → 0.2 µs per answer**, and
   product-service's batch answer 5–6 → 0.3–0.4 µs. An order-ab run could not tell it from noise
   (1.03× orders/s).
27. **The request line's path and metrics directive without building strings**
   (service-kit/src/http/request-log.ts, metrics.ts): the path is cut with \`indexOf\` instead of a
   regular expression, and the metrics directive is found by a bit per metric instead of a key joined
   from the line's metric names. One request line timed alone (15 rounds, minimum, alternated):
   **2.47–2.91 → 2.19–2.33 µs.**
28. **order-service calls product-service on its own thread** (service-kit/src/http/internal-http/,
   product-client.ts). \`fetch()\` runs its HTTP on a thread of Bun's, and each call is handed to it
   and back: order-service's main thread spent 1.3–2.4 ms inside each call, and that thread used 14–17
   µs of CPU per order. For a plain \`http://\` URL (what Copilot's service discovery gives) the calls
   now go over kept HTTP/1.1 connections that the service's own thread writes and reads (Bun.connect);
   https still goes through \`fetch()\`. Same retries, timeouts and errors (internal-http.test.ts runs
   both clients against the same servers; socket-client.test.ts and answer-parser.test.ts hold the
   framing and the kept connections). \`scripts/order-ab.ts\` (SQLite, medians, base 7615f46),
   **CPU per order B/A: 2026-07-28 0.98, 0.92, 0.87; stateless 0.92, 1.06, 0.94; JSON only 0.95**;
   orders/s 1.09×, 1.10×, 1.13× (2026-07-28), 1.08×, 0.93×, 1.04× (stateless). \`bench/ab.ts --base
   7615f46 --only order-2025,order-session-2025\` (order-service only): 1.02× and 1.04× less CPU per
   order. Per thread from \`/proc\` (4 alternating rounds, both services): 590 → 544 µs per order,
   medians. On PostgreSQL two order-ab runs read 0.95× and 0.90× orders/s and two pairs of a second
   harness 1.06× and 0.88×: within that case's noise.
29. **A 2025 session's change notifications cost less** (service-kit/src/mcp/legacy/subscriptions.ts,
   relay-transport.ts, sdk/internals.ts). Every order placed in a session with its GET stream open
   changes \`order://…\`, and for each such change order-service asked the database which sessions
   subscribed to it: one lookup per order. The changes of one event-loop turn (the orders of one
   group commit, a batch of NOTIFYs) now share one lookup at the end of the turn
   (subscriptions.test.ts counts the lookups and checks who hears what). And a notification
   that belongs to no request (\`list_changed\`, \`resources/updated\`) is stored and written on the
   GET stream as the SDK's transport does it, without that transport's four JSON-RPC type guards, which a
   notification never passes: they run on zod's interpreter and allocate an error each time;
   \`sendResourceListChanged()\` took 0.46 ms of wall time a call with them and 0.11 ms without (timed in
   place, garbage collection included; internals.test.ts compares the bytes with the SDK's own send). create_order in an SDK v1
   session, SQLite, base 7282320: per thread from \`/proc\` (temporary script, 6 alternating rounds
   after a 15 s warm-up, both services) **676 → 637 µs per order (0.94×), order-service 481 → 445 µs,
   lower in 5 of 6 pairs**; \`bench/ab.ts --base 7282320 --only order-session-2025,session-2025
   --rounds 6\` (order-service only): best rounds 0.407 → 0.396 ms CPU per order, medians 0.495 → 0.412
   ms and 1,183 → 1,393 orders/s; its control (get_product in a session, which this does not touch)
   read 0.96× best and 0.94× median in the same run, the noise of this machine.
30. **create_order's writes on PostgreSQL: statements per batch, not per order**
   (order-service/src/orders/postgres-write-batches.ts, postgres-order-writes.ts;
   product-service/src/reservations/postgres-reserve-together.ts). Items 22 and 24 gave the writes
   that arrive together one transaction, but every order still sent its own statements, and
   PostgreSQL started and ran each one's plan. Now order-service writes a batch's pending orders (and
   their lines) with one statement and their confirmations with another; product-service, in one
   transaction, reads the batch's stored reservations and locks its products (\`FOR UPDATE\`, in id
   order), decides each reservation in arrival order with the same rules as before (decide.ts) on the
   stock the ones before it left, and writes every reservation, one decrement per product and every
   line with a third statement. When another instance reserved one of the orders after the read, the
   write's count comes back short, the batch rolls back and each reservation runs alone as before;
   postgres-batches.test.ts shows that, and the deadlock that locking in arrival order would make.
   A first version read the reservations with \`IN (SELECT jsonb_array_elements_text(…))\`: its generic
   plan, made while the table was young, scanned the whole table (auto_explain: 3 ms a batch at 2,000
   rows, growing with the table); each id is now looked up on its own in the primary key, whatever
   the statistics say. \`scripts/postgres-write-cost.ts --seconds 5 --rounds 3\`, four builds one
   after another: PostgreSQL's CPU per order **0.88–1.06 ms at base 105f923, 0.73–1.09 ms with the
   orders' statements only, 0.51 ms with the reservations' only, 0.25–0.26 ms with both** (the script's
   own CPU 0.23–0.25 → 0.07–0.09 ms). \`scripts/order-ab.ts --a <105f923 build> --b dist --db postgres
   --request all --unpinned --rounds 3\`, medians: **JSON only 683 → 885 orders/s (1.30×), stateless
   681 → 1,112 (1.63×), 2026-07-28 632 → 968 (1.53×); CPU per order with the database's 1.99 → 1.34,
   1.96 → 1.16 and 1.99 → 1.26 ms**, PostgreSQL's part 1.1–1.2 → 0.57–0.79 ms.
31. **NOTIFY batches wait one event-loop turn** (service-kit/src/events/postgres-notifier.ts).
   pg_stat_statements under create_order on PostgreSQL counted about one NOTIFY statement per order:
   the first event after a quiet moment left alone, and the statement returns quickly, so few events
   queued behind it. The notifier now waits one turn first, so the events of the writes committed
   together leave in one statement (postgres-notifier.test.ts counts them). \`scripts/order-ab.ts --a
   <1240fb5 build> --b dist --db postgres --request all --unpinned --rounds 3\`, medians: **JSON only
   1,162 → 1,039 orders/s, stateless 1,095 → 1,133, 2026-07-28 947 → 1,084; CPU per order with the
   database's 1.131 → 1.146, 1.215 → 1.130 and 1.376 → 1.167 ms**, lower in 7 of 9 pairs: orders/s
   within this machine's noise; kept because it sends fewer statements for the same events.
32. **A held 2025 session is not read on every request on PostgreSQL** (service-kit/src/events/
   session-endings.ts, mcp/legacy/live-sessions.ts). Every request to a session read its row, so that a
   DELETE on any instance ended it everywhere: pg_stat_statements under create_order in an SDK v1
   session counted 13,769 of those reads in one run. Now a DELETE sends a notice on the service's
   NOTIFY channel in the transaction that deletes the row; every instance drops the session when it
   hears it, and serves a held session from memory while its change bus vouches that it cannot have
   missed one (no re-LISTEN and no bus-down since the session's row was last read). A row deleted by
   hand is noticed at the next touch. SQLite keeps the read: other processes may share the file, and
   nothing carries their deletes. The same count afterwards: no such read. With the bench's harness
   (create_order on PostgreSQL, SDK v1 session, 3 alternating rounds, base 5dffb8f): **819 → 842
   orders/s (medians), order-service's CPU per order 0.523–0.576 → 0.465–0.483 ms**; orders/s within
   this machine's noise, kept for the CPU and the read it saves PostgreSQL. (A first, unsafe build that
   skipped the read with no notice at all read 1.42–1.60× in a run where the base happened to be slow:
   that is the noise.)

Items 15–17 together, against e9b2749 (\`bench/ab.ts --only modern-v2,session-2025,stateless-2025,search-v2\`,
3 rounds, best): **2026-07-28 0.153 → 0.142 ms CPU (medians 0.188 → 0.157), 2025 session 0.219 → 0.148
ms, stateless 0.173 → 0.140 ms, search 0.358 → 0.260 ms.**

Measured and not worth a change: copying the request to add the full Accept header (~2 µs); Elysia's
own routing (a bare Elysia route costs the same CPU per request as raw \`Bun.serve\`); not releasing
savepoints, or waiting more than one event-loop turn before a write batch; committing SQLite writes
with \`synchronous = NORMAL\` and then fsyncing the WAL on Bun's I/O threads, so that the event loop
does not wait for the disk (create_order 1.06× orders/s pinned, 0.89× unpinned: noise, and a read could
then see a write before it is durable). This session: on PostgreSQL, the pending orders (and the
confirmations) of one batch as one multi-row statement instead of one statement each (PostgreSQL's CPU
per order for the insert alone, 16 orders a transaction: 195 → 100 µs), yet \`scripts/order-ab.ts --db
postgres\` read 0.99× orders/s and \`scripts/postgres-write-cost.ts\` 0.80–1.19 ms against 0.83–1.07 ms,
so it was not kept then; many updates of one product row in one transaction cost PostgreSQL no more
than updates of as many rows (67 µs each either way). Item 30 took both up again: the reservation's
statement per order was the larger cost, and with it gone the orders' statements gain too; \`BUN_JSC_largeHeapGrowthFactor=2\` (fewer garbage collections: an A/A
run of the same harness read 1.09×, and a GC log put all collections at 1.4% of the CPU) and
\`NODE_ENV=production\` (Elysia then tells Bun.serve it is not in development): within noise. Then:
the WAL flush off the event loop once more, this time with reads of the process waiting for a pending
flush so that nothing is told of a commit before it is on disk (\`scripts/order-ab.ts --request all\`, 3
rounds: 1.24×, 1.00× and 1.08× orders/s for JSON only, stateless and 2026-07-28; \`bench/ab.ts --only
order-2025,order-session-2025\`, 5 rounds: medians 1.00× and 1.05×): the core is busy either way, so
the time the loop stops waiting is taken by the other service. \`list_changed\` paced at 250 ms instead
of 20 ms (\`bench/ab.ts --only order-session-2025\`, 6 rounds: 1.04× orders/s, 0.96× CPU, medians): within
noise with one session, and a listener would hear a burst's last change up to 250 ms late. An FTS5
trigram index on search_text as a pre-filter before the LIKEs (temporary script, the captured
"wireless headphones" search on the demo catalogue, 5,000 runs a round, 4 rounds): 38.6–49.7 µs a
statement against 23.4–29.0 µs without it; on 79 products the index costs more than the scan it saves. On PostgreSQL, a 2025 session's row reads of one
event-loop turn sharing one statement (a temporary build; create_order in an SDK v1 session spent
about 0.15 ms more of order-service's CPU per order than without a session, and those reads were the
largest part of the difference in a profile): 3 alternating rounds with the bench's own harness, 855–908
→ 795–857 orders/s and 0.455–0.488 → 0.490–0.498 ms of order-service's CPU per order, so it was not
kept (item 32 removed those reads instead). Each with the same harness, create_order on PostgreSQL in
an SDK v1 session, alternating against item 32's build: \`mcp_events\` inserts as one autocommit
statement, a GET stream's notifications committed with \`synchronous_commit = off\` (3 rounds: medians
853 → 839 orders/s, CPU within noise); two order-write batches in flight instead of one, as the
machine showed about a quarter of its CPU idle under this case (3 rounds: 980 → 905 orders/s, CPU
0.406–0.417 → 0.413–0.483 ms); the change events of one NOTIFY batch packed into as few payloads as
fit, instead of one notification each (7 rounds in two runs: pairs from 0.85× to 1.25×, medians about
1.01×), not worth making instances of two versions unable to read each other's events during a
deploy.

## What is left, and why the ceiling target is not met

- **get_product at ${realGetShare(report)} of the ceiling** as real clients send it (target 25%). ${floorSentence(report)} The ceiling answers a canned string; a
  call also runs the Origin/Host check, auth and rate limit, body and JSON-RPC checks, the SDK's
  dispatch and one JSON log line. A tool call adds the SDK's validation
  (the tools/call request, the input, the output and the whole result, now on zod's compiled
  validators), the SDK's handler and codec, the SQLite query and the serialisation of the answer; a
  profile puts the rest in Bun's HTTP layer, JSON parsing and stringifying, the log line and garbage
  collection, each a few per cent. Skipping any of the checks would be faster and is not allowed.
  The ceiling is fed the JSON-only request, with two headers; a real client's request has ten and a
  per-request id that wrk's Lua script fills in. Fed the captured SDK v2 request byte for byte
  (temporary script, 2 rounds), the same raw \`Bun.serve\` used 0.032–0.033 ms of CPU a request and
  reached 24,000–26,100 req/s, its load generator then the limit; a bare Bun.serve that does only
  what any MCP server must (read the headers, parse the body, one JSON log line, the SQLite read and
  the answer, with no SDK, framework or validation) used 0.056 ms; product-service 0.138–0.150 ms. By
  CPU per request, like for like, that is 21–23% of the ceiling.
- **search_products** (target 25% of the ceiling, p99 ≤ 10 ms). ${searchBudgetSentence(report)} Its
  statement alone is 23–42 µs of SQLite in a temporary script (about 63 µs with the caches trashed),
  and 28.6% of the process's samples in a profile under load; then its ten products are presented,
  checked against the output schema and written twice (structured, and as text as the spec asks). So
  with every check kept, search's tool costs about four times what a quarter of the ceiling leaves,
  and get_product's alone about all of it. An FTS5 trigram index was slower on 79 products (above).
  The catalogue held in memory would still leave ten products to present, validate and serialise,
  where get_product's one product and its read take the whole allowance. What would pass it is not
  computing the answer per request (a cache of results): the bench's one repeated query would flatter
  it, and it would answer stock that another instance has changed, which no issue asked for; it was
  not done.
- **create_order:** two MCP/HTTP stacks, the internal call and the writes of both services share one
  core in the bench. After item 25, 2026-07-28 calls on SQLite cost order-service 0.36 ms of CPU per
  order and product-service 0.17 ms (per thread, from \`/proc\`, after a 15 s warm-up, at 1,600
  orders/s on a quiet machine), and the server core was 92% busy, its idle time all waiting for
  fsync. A profile of order-service under load: the SDK's dispatch and validation, two group commits
  (each write in its own savepoint), the internal call, and one log line per request in each service,
  each a few per cent. The internal call no longer goes through \`fetch()\` (item 28); about 10
  orders go in each batch request. A 2025 session adds, on SQLite, a read of the session's row on every
  request (a DELETE on any instance ends the session everywhere, and other processes may share the
  file; about 19 µs of get_product's wall time in a profile; on PostgreSQL no longer, item 32) and its
  change notifications (item 29).
  **On PostgreSQL**, after items 30 and 31, \`scripts/postgres-write-cost.ts\` (one order's writes as
  the services make them, 32 at a time, no HTTP, MCP or NOTIFY) reads **0.25–0.28 ms of PostgreSQL's
  CPU per order** (0.83–1.07 ms before). Under the services (\`scripts/order-ab.ts --db postgres
  --unpinned\`) PostgreSQL used 0.47–0.70 ms per order and the two services 0.46–0.69 ms: batches
  there are smaller (pg_stat_statements: about 4–8 orders a statement, up to 32 in the script), and
  PostgreSQL also serves the NOTIFYs and their LISTEN deliveries, and autovacuum. In a 2025 session
  the notifications its open GET stream gets cost about a tenth: a temporary build that delivered no
  change event to 2025 sessions read 942 → 1,049 orders/s (medians of 3 alternating rounds, SDK v1
  session) and 0.41–0.50 → 0.37–0.45 ms of order-service's CPU per order; real clients hold that
  stream open, so the notifications stay. At 1,000 orders/s this 2-core machine has 2 ms of CPU per order for
  PostgreSQL, both services and the load generator together, so the margin is thin and a busy
  moment moves a case across the line. What led to item 30: with one statement per order (in shared
  transactions), \`perf record\` of PostgreSQL's processes (645 orders/s, 1.19 ms of its CPU per order,
  every statement on a kept plan) spread it thin: starting each statement's executor 16%, running
  them 37%, the foreign-key triggers at the end of each statement 15%, commit 7%, reading the
  protocol 6%; \`synchronous_commit = off\` (a temporary change, not something to ship) saved only
  about 15%, and fewer connections in the services' pools (4 instead of 10) was worse (0.89×
  orders/s). So the cost was per statement, and item 30 sends a statement per batch instead.
- **Noise:** on this 2-core machine a run with other work going on can halve any of these figures;
  compare runs by the CPU-per-request column.`;
}
