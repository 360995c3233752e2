// The real-client case's load: N SDK v2 `Client` objects in this one Node process, each calling
// get_product in a loop, as an application with N concurrent users would. It measures what they see:
// calls/s and latency per callTool() (client-side validation included). The bench runs it on the
// load core. Plain JavaScript because the SDK's clients run on Node in the field.
//   node bench/clients.mjs <mcp url> <clients> <seconds> <warm-up seconds>
// Prints one line: CLIENTS_RESULT {"calls":…,"seconds":…,"p50_ms":…,"p99_ms":…,"errors":…}
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const [url, clientsArg, secondsArg, warmupArg] = process.argv.slice(2);
const count = Number(clientsArg);
const seconds = Number(secondsArg);
const warmup = Number(warmupArg);
if (!url || !(count > 0) || !(seconds > 0) || !(warmup >= 0)) {
  console.error("usage: node bench/clients.mjs <mcp url> <clients> <seconds> <warm-up seconds>");
  process.exit(2);
}

const clients = await Promise.all(
  Array.from({ length: count }, async (_, index) => {
    const client = new Client(
      { name: `retail-mcp-bench-${index}`, version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  }),
);

let errors = 0;
let firstError = "";
/** Every client calls in a loop until `until`; latencies (ms) of calls that ended by then are kept. */
async function run(until, latencies) {
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          const result = await client.callTool({ name: "get_product", arguments: { product_id: "p002" } });
          if (result.isError || result.structuredContent?.id !== "p002") {
            errors += latencies ? 1 : 0;
            firstError ||= JSON.stringify(result).slice(0, 300);
            continue;
          }
        } catch (error) {
          errors += latencies ? 1 : 0;
          firstError ||= String(error).slice(0, 300);
          continue;
        }
        const ended = performance.now();
        if (latencies && ended <= until) latencies.push(ended - started);
      }
    }),
  );
}

await run(performance.now() + warmup * 1000, undefined);
errors = 0;
const latencies = [];
const started = performance.now();
await run(started + seconds * 1000, latencies);
// Calls still running at the end are not counted, so the window is exactly the measured seconds.
const elapsed = seconds;
await Promise.all(clients.map((client) => client.close()));

latencies.sort((a, b) => a - b);
const at = (p) =>
  latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0;
const round = (ms) => Math.round(ms * 100) / 100;
console.log(
  `CLIENTS_RESULT ${JSON.stringify({
    clients: count,
    calls: latencies.length,
    seconds: round(elapsed),
    p50_ms: round(at(50)),
    p99_ms: round(at(99)),
    max_ms: round(latencies.at(-1) ?? 0),
    errors,
    first_error: firstError,
  })}`,
);
