/**
 * `bun run cluster`: the cloud topology on this machine. PostgreSQL (a temporary instance, or
 * --database-url), nginx on loopback routing /product/* and /order/* round-robin like the ALB, and at
 * least two tasks of each compiled service. Prints the URLs and a Claude Desktop config; Ctrl-C stops
 * the tasks with SIGTERM (drain), then nginx, then PostgreSQL.
 *
 * Programmatic use (the cluster tests): `import { startCluster } from "./cluster.ts"`.
 */
import { parseArgs } from "node:util";
import { claudeDesktopConfig } from "./claude-config.ts";
import { type Cluster, startCluster } from "./cluster/cluster.ts";

export { type Cluster, type ClusterOptions, SCHEMAS, startCluster } from "./cluster/cluster.ts";

const USAGE = `Usage: bun run cluster [-- options]

  --product N          product-service tasks (default 2, at least 1)
  --order N            order-service tasks (default 2, at least 1)
  --port N             proxy (ALB) port on 127.0.0.1 (default 8080; 0 picks a free one)
  --database-url URL   use this PostgreSQL database instead of a temporary server
  --session-ttl S      SESSION_TTL_SECONDS for every task (default: the services' own)
  --help               show this help`;

function positiveInt(value: string | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        product: { type: "string" },
        order: { type: "string" },
        port: { type: "string" },
        "database-url": { type: "string" },
        "session-ttl": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`cluster: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let options: Parameters<typeof startCluster>[0];
  try {
    const port = positiveInt(values.port as string | undefined, 8080, "--port", 0);
    const ttl = values["session-ttl"] as string | undefined;
    options = {
      productInstances: positiveInt(values.product as string | undefined, 2, "--product", 1),
      orderInstances: positiveInt(values.order as string | undefined, 2, "--order", 1),
      ...(port === 0 ? {} : { port }),
      ...(values["database-url"] ? { databaseUrl: values["database-url"] as string } : {}),
      ...(ttl ? { env: { SESSION_TTL_SECONDS: String(positiveInt(ttl, 0, "--session-ttl", 1)) } } : {}),
      log: (line) => console.error(`cluster: ${line}`),
    };
  } catch (error) {
    console.error(`cluster: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  let cluster: Cluster;
  try {
    cluster = await startCluster(options);
  } catch (error) {
    console.error(`cluster: could not start: ${(error as Error).message}`);
    return 1;
  }
  const servers = [
    { name: "retail-product", url: cluster.urls.productMcp },
    { name: "retail-order", url: cluster.urls.orderMcp },
  ];
  console.log(`
Local cluster is running (logs in ${cluster.dir}/logs):
  proxy      ${cluster.urls.proxy}   (/product/* and /order/*, round-robin)
  product    ${cluster.urls.productMcp}
  order      ${cluster.urls.orderMcp}
  database   ${cluster.databaseUrl}   (schemas product, orders)
  tasks      ${cluster.instances.map((each) => `${each.name} :${each.port} pid ${each.pid}`).join(", ")}

Claude Desktop (Settings → Developer → Edit Config), paste into claude_desktop_config.json:
${JSON.stringify(claudeDesktopConfig({ servers }), null, 2)}

Press Ctrl-C to stop.`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.error(`cluster: ${signal}: stopping tasks (SIGTERM, drain), nginx and PostgreSQL`);
      cluster.stop().then(
        () => resolve(0),
        (error) => {
          console.error(`cluster: stop failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
