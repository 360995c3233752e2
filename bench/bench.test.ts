import { describe, expect, test } from "bun:test";
import { median } from "./cold-start.ts";
import { parseOptions } from "./options.ts";
import { escapeXml, renderBarChart } from "./svg.ts";
import { parseWrkOutput } from "./wrk.ts";

// Recorded from `wrk -t1 -c32 -d3s -s bench/wrk/mcp.lua` against product-service.
const RECORDED = `Running 3s test @ http://127.0.0.1:3901/mcp
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    27.22ms   16.21ms 114.46ms   88.17%
    Req/Sec     1.25k   526.06     2.00k    53.33%
  3742 requests in 3.02s, 3.76MB read
Requests/sec:   1240.58
Transfer/sec:      1.25MB
BENCH_RESULT {"requests":3742,"duration_us":3016337,"bytes":3947810,"connect_errors":0,"read_errors":1,"write_errors":0,"status_errors":2,"timeouts":1,"latency_p50_us":20921,"latency_p99_us":87908,"latency_max_us":114459,"latency_mean_us":27223.6,"bad_status":2,"rpc_errors":3,"unexpected":4}
`;

describe("parseWrkOutput", () => {
  test("reads rate, latency percentiles and every kind of error from the script's result line", () => {
    const result = parseWrkOutput(RECORDED);
    expect(result.requests).toBe(3742);
    expect(result.requestsPerSecond).toBe(1241);
    expect(result.latencyMs).toEqual({ p50: 20.92, p99: 87.91, max: 114.46, mean: 27.22 });
    expect(result.errors).toEqual({ status: 2, rpc: 3, unexpected: 4, socket: 2, total: 11 });
  });

  test("fails with wrk's output when the result line is missing", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused\n")).toThrow(
      /no BENCH_RESULT line.*Connection refused/s,
    );
  });

  test("fails on a result line with a missing field", () => {
    expect(() => parseWrkOutput('BENCH_RESULT {"requests":1}\n')).toThrow(/duration_us/);
  });
});

describe("renderBarChart", () => {
  const bars = [
    { label: "ceiling", value: 40000, kind: "ceiling" as const },
    { label: "peer <Node & Express>", value: 500, kind: "peer" as const },
    { label: "get_product", value: 20000, kind: "ours" as const },
  ];
  const svg = renderBarChart('Requests/s "today"', bars);

  test("draws one bar per case, scaled to the largest", () => {
    const widths = [...svg.matchAll(/<rect class="bar" [^>]*width="(\d+)"/g)].map((match) =>
      Number(match[1]),
    );
    expect(widths).toHaveLength(3);
    expect(widths[0]).toBe(420);
    expect(widths[2]).toBe(210);
  });

  test("is well-formed XML with escaped text", () => {
    expect(svg).toContain("peer &lt;Node &amp; Express&gt;");
    expect(svg).toContain("Requests/s &quot;today&quot;");
    expect(svg.replace(/&(amp|lt|gt|quot|apos);/g, "")).not.toMatch(/&/);
    const stack: string[] = [];
    for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
      if (selfClosing) continue;
      if (closing) expect(stack.pop()).toBe(name);
      else stack.push(name ?? "");
    }
    expect(stack).toEqual([]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  test("escapeXml leaves plain text alone", () => {
    expect(escapeXml("get_product, stateless")).toBe("get_product, stateless");
  });
});

describe("parseOptions", () => {
  test("defaults to 10 s, 32 connections, text output", () => {
    expect(parseOptions([])).toEqual({ seconds: 10, connections: 32, json: false });
  });

  test("reads the flags, also after a bare --", () => {
    expect(parseOptions(["--", "--seconds", "2", "--connections", "64", "--json"])).toEqual({
      seconds: 2,
      connections: 64,
      json: true,
    });
  });

  test("rejects bad values and unknown flags with a clear message", () => {
    expect(() => parseOptions(["--seconds", "0"])).toThrow(
      '--seconds needs a whole number from 1 to 3600 (got "0")',
    );
    expect(() => parseOptions(["--seconds"])).toThrow("got nothing");
    expect(() => parseOptions(["--fast"])).toThrow(/unknown option "--fast"/);
  });
});

test("median of odd and even counts", () => {
  expect(median([30, 10, 20])).toBe(20);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
