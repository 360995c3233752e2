/**
 * A local copy of the cloud topology: one PostgreSQL (Aurora), nginx routing `/product/*` and
 * `/order/*` round-robin (the ALB rules), N tasks of each compiled service with BASE_PATH and their own
 * schema, and order tasks reaching product-service's root-only internal API through a second nginx
 * listener that load-balances across product tasks, as Service Connect does. The fault tests drive it through this API.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { ensureBuilt } from "../build.ts";
import { ServiceInstance, type ServiceKind } from "./instance.ts";
import { type NginxHandle, type ProxyRoute, startNginx } from "./nginx.ts";
import { type ClusterPostgres, databaseUrl, startClusterPostgres } from "./postgres.ts";

export const SCHEMAS: Record<ServiceKind, string> = { product: "product", order: "orders" };
const BASE_PATHS: Record<ServiceKind, string> = { product: "/product", order: "/order" };

export interface ClusterOptions {
  productInstances?: number;
  orderInstances?: number;
  /** Use this database instead of starting a PostgreSQL; stopPostgres/startPostgres then refuse. */
  databaseUrl?: string;
  /** nginx port; a free one when omitted (tasks always take a port the OS picks). */
  port?: number;
  /** Variables for every instance (SESSION_TTL_SECONDS, LOG_LEVEL, …). */
  env?: Record<string, string>;
  productEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
  /** A catalogue (demo-catalog.json format) imported with the product binary's `seed` before start. */
  seedCatalog?: unknown;
  binaries?: { product?: string; order?: string };
  /** Progress lines (building, starting…). */
  log?: (line: string) => void;
}

export interface ClusterUrls {
  /** The proxy (ALB) root, e.g. http://127.0.0.1:8080 */
  proxy: string;
  productMcp: string;
  orderMcp: string;
  /** Direct MCP URLs of each instance, by instance name (updated when an instance restarts). */
  direct: Record<string, string>;
}

export interface Cluster {
  urls: ClusterUrls;
  /** postgres:// URL of the cluster's database (schemas `product` and `orders`). */
  databaseUrl: string;
  instances: ServiceInstance[];
  instance(name: string): ServiceInstance;
  /** Folder holding instance logs and the nginx config. */
  dir: string;
  internalToken: string;
  /** SIGKILL one instance. */
  kill(name: string): Promise<void>;
  /**
   * Starts an instance again (stopping it with SIGTERM first if it still runs). Like a replaced task it
   * gets a new port; nginx's upstreams follow before this resolves.
   */
  restart(name: string): Promise<void>;
  stopPostgres(): Promise<void>;
  /** PostgreSQL as after a crash: immediate shutdown, no checkpoint; startPostgres replays the WAL. */
  crashPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Stops every instance with SIGTERM (drain), then nginx, then PostgreSQL; removes temp files. */
  stop(): Promise<void>;
}

function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new SQL(serverUrl);
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  return databaseUrl(serverUrl, name);
}

/** Runs a one-shot subcommand of a binary (migrate, seed FILE) with an instance's environment. */
function runSubcommand(binary: string, args: string[], env: Record<string, string>): void {
  const result = Bun.spawnSync([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(
      `${binary} ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.stderr}${result.stdout}`,
    );
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), "retail-cluster-"));
  mkdirSync(join(dir, "logs"));
  let postgres: ClusterPostgres | undefined;
  let nginx: NginxHandle | undefined;
  const instances: ServiceInstance[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(instances.map((instance) => instance.stop(30_000)));
    await nginx?.stop();
    await postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed test runner must not leave servers behind: kill synchronously on exit as a backstop.
  const onExit = (): void => {
    for (const instance of instances) if (instance.pid) process.kill(instance.pid, "SIGKILL");
    if (nginx) process.kill(nginx.pid, "SIGTERM");
    if (postgres?.isRunning()) void postgres.stop();
  };
  process.on("exit", onExit);

  try {
    let dbUrl = options.databaseUrl;
    if (!dbUrl) {
      log("starting PostgreSQL");
      postgres = await startClusterPostgres();
      dbUrl = await createDatabase(postgres.url, "retail");
    }
    const binaries = {
      product: options.binaries?.product ?? (await ensureBuilt("product-service", log)),
      order: options.binaries?.order ?? (await ensureBuilt("order-service", log)),
    };
    const internalToken = randomToken();
    // As in the cloud, every order task signs confirmation rounds with the same key.
    const stateKey = randomToken();
    let proxyUrl = "";
    let serviceConnectUrl = "";
    const envFor = (kind: ServiceKind): Record<string, string> => ({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      HOST: "127.0.0.1",
      PORT: "0",
      BASE_PATH: BASE_PATHS[kind],
      DATABASE_URL: dbUrl as string,
      DATABASE_SCHEMA: SCHEMAS[kind],
      INTERNAL_TOKEN: internalToken,
      // nginx appends the caller to X-Forwarded-For as the ALB does (docs/security.md).
      TRUSTED_PROXY_HOPS: "1",
      LOG_LEVEL: "info",
      // Known once nginx runs; migrate and seed need no product-service.
      ...(kind === "order" && serviceConnectUrl !== "" ? { PRODUCT_SERVICE_URL: serviceConnectUrl } : {}),
      ...(kind === "order" ? { MCP_STATE_KEY: stateKey } : {}),
      ...options.env,
      ...(kind === "product" ? options.productEnv : options.orderEnv),
    });

    for (const kind of ["product", "order"] as const) {
      // Migrations once, before any task starts, so tasks never race to create the schema.
      runSubcommand(binaries[kind], ["migrate"], envFor(kind));
    }
    if (options.seedCatalog !== undefined) {
      const file = join(dir, "seed-catalog.json");
      writeFileSync(file, JSON.stringify(options.seedCatalog));
      runSubcommand(binaries.product, ["seed", file], envFor("product"));
    }

    const counts = { product: options.productInstances ?? 2, order: options.orderInstances ?? 2 };
    const addInstances = (kind: ServiceKind): ServiceInstance[] => {
      const added: ServiceInstance[] = [];
      for (let index = 1; index <= counts[kind]; index++) {
        const name = `${kind}-${index}`;
        const spec = {
          name,
          kind,
          binary: binaries[kind],
          env: envFor(kind),
          logFile: join(dir, "logs", `${name}.log`),
        };
        added.push(new ServiceInstance(spec));
      }
      instances.push(...added);
      return added;
    };
    const routes = (): ProxyRoute[] =>
      (["product", "order"] as const).map((kind) => ({
        prefix: BASE_PATHS[kind],
        // Stopped tasks stay listed, as a target stays registered: nginx skips them as failed.
        ports: instances.filter((instance) => instance.spec.kind === kind).map((instance) => instance.port),
      }));

    // Tasks bind ports the OS picks. Product tasks come first, then nginx in front of them, then the
    // order tasks (which reach product-service through nginx), then nginx learns the order tasks.
    const products = addInstances("product");
    log(`starting ${products.map((instance) => instance.name).join(", ")}`);
    await Promise.all(products.map((instance) => instance.start()));
    log("starting nginx");
    nginx = await startNginx({
      ...(options.port === undefined ? {} : { port: options.port }),
      dir: join(dir, "nginx"),
      routes: routes(),
      serviceConnect: { prefix: BASE_PATHS.product },
    });
    proxyUrl = nginx.url;
    serviceConnectUrl = nginx.serviceConnectUrl ?? "";
    const orders = addInstances("order");
    log(`starting ${orders.map((instance) => instance.name).join(", ")}`);
    await Promise.all(orders.map((instance) => instance.start()));
    const proxy = nginx;
    await proxy.update(routes());

    const byName = new Map(instances.map((instance) => [instance.name, instance]));
    const instance = (name: string): ServiceInstance => {
      const found = byName.get(name);
      if (!found) throw new Error(`no instance "${name}"; there are ${[...byName.keys()].join(", ")}`);
      return found;
    };
    const ownPostgres = (): ClusterPostgres => {
      if (!postgres)
        throw new Error("this cluster uses an external database (--database-url); it cannot restart it");
      return postgres;
    };
    const direct = Object.fromEntries(instances.map((each) => [each.name, `${each.baseUrl}/mcp`]));
    return {
      urls: {
        proxy: proxyUrl,
        productMcp: `${proxyUrl}/product/mcp`,
        orderMcp: `${proxyUrl}/order/mcp`,
        direct,
      },
      databaseUrl: dbUrl,
      instances,
      instance,
      dir,
      internalToken,
      kill: (name) => instance(name).kill(),
      restart: async (name) => {
        const target = instance(name);
        if (target.isRunning()) await target.stop();
        await target.start();
        direct[name] = `${target.baseUrl}/mcp`;
        await proxy.update(routes());
      },
      stopPostgres: () => ownPostgres().stop(),
      crashPostgres: () => ownPostgres().crash(),
      startPostgres: () => ownPostgres().start(),
      stop: async () => {
        process.off("exit", onExit);
        await cleanup();
      },
    };
  } catch (error) {
    process.off("exit", onExit);
    await cleanup();
    throw error;
  }
}
