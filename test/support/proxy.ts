/**
 * A real round-robin reverse proxy for tests: Debian's nginx, started in the foreground with its own
 * config, logs and temp folders in a temporary directory, on a free loopback port (nginx cannot bind
 * port 0, so a port taken before nginx binds it is replaced by a fresh one). It stands in for
 * the ALB: no stickiness, one upstream group per path prefix (`/product` → product-service tasks),
 * streaming responses passed through unbuffered (SSE).
 *
 *   const proxy = await startProxy({ routes: [{ prefix: "/", upstreams: ["127.0.0.1:4001", "127.0.0.1:4002"] }] });
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { retryOnBindFailure, tempDir } from "./service-process.ts";

export interface ProxyRoute {
  /** Path prefix such as "/product", or "/" for everything. Requests keep their full path upstream. */
  prefix: string;
  /** "host:port" of each instance, served in turn. */
  upstreams: string[];
}

export interface ProxyOptions {
  routes: ProxyRoute[];
  port?: number;
  /** How long a proxied response may stay silent (SSE keep-alives reset it). */
  readTimeoutSeconds?: number;
}

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  /** The instance that answered, "host:port". */
  upstream: string;
}

export interface ProxyHandle {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  dir: string;
  accessLog(): AccessLogEntry[];
  stop(): Promise<void>;
}

const NGINX_CANDIDATES = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"];

export function nginxPath(): string {
  const found = NGINX_CANDIDATES.find((path) => existsSync(path)) ?? Bun.which("nginx");
  if (!found) {
    throw new Error(
      "nginx is not installed, and the multi-instance tests need a real round-robin proxy: run `apt-get install -y nginx`.",
    );
  }
  return found;
}

export function nginxConfig(options: ProxyOptions & { port: number; dir: string }): string {
  if (options.routes.length === 0) throw new Error("startProxy needs at least one route");
  const upstreams = options.routes.map((route, index) => {
    if (route.upstreams.length === 0) throw new Error(`route ${route.prefix} has no upstreams`);
    const servers = route.upstreams.map((address) => `    server ${address} max_fails=0;`).join("\n");
    return `  upstream route${index} {\n${servers}\n    keepalive 32;\n  }`;
  });
  // Longest prefix first is nginx's own rule for prefix locations; ^~ stops regex matching.
  const locations = options.routes.map((route, index) => {
    const prefix = route.prefix === "/" ? "/" : route.prefix.replace(/\/+$/, "");
    return `    location ^~ ${prefix} {
      proxy_pass http://route${index};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_cache off;
      proxy_read_timeout ${options.readTimeoutSeconds ?? 300}s;
      proxy_next_upstream off;
    }`;
  });
  const { dir } = options;
  return `worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  log_format routed '$request_method $uri $status $upstream_addr';
  access_log ${join(dir, "access.log")} routed;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  client_max_body_size 20m;
${upstreams.join("\n")}
  server {
    listen 127.0.0.1:${options.port};
${locations.join("\n")}
  }
}
`;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  if (options.port !== undefined) return startProxyOn(options.port, options);
  return retryOnBindFailure((port) => startProxyOn(port, options));
}

async function startProxyOn(port: number, options: ProxyOptions): Promise<ProxyHandle> {
  const binary = nginxPath();
  const dir = tempDir("retail-proxy-");
  // When tests run as root, nginx's workers run as nobody and must still write their temp folders.
  chmodSync(dir, 0o777);
  const configFile = join(dir, "nginx.conf");
  writeFileSync(configFile, nginxConfig({ ...options, port, dir }));
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [binary, "-p", dir, "-c", configFile, "-e", join(dir, "error.log")],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const stderr = new Response(child.stderr).text();
  void new Response(child.stdout).text();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "";
      throw new Error(`nginx exited with ${child.exitCode}: ${await stderr}${log}`);
    }
    // nginx writes its pid file only after it has bound its port: until then whoever answers on the
    // port may be another process that took it first.
    const bound = existsSync(join(dir, "nginx.pid"));
    const listening =
      bound &&
      (await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
        (socket) => {
          socket.end();
          return true;
        },
        () => false,
      ));
    if (listening) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not listen on ${port} within 10 s: ${await stderr}`);
    }
    await Bun.sleep(25);
  }
  return {
    port,
    url,
    dir,
    accessLog: () => parseAccessLog(join(dir, "access.log")),
    stop: async () => {
      // SIGTERM is nginx's fast shutdown: open SSE streams are cut, as when a load balancer goes away.
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

function parseAccessLog(file: string): AccessLogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [method = "", path = "", status = "0", upstream = ""] = line.split(" ");
      return { method, path, status: Number(status), upstream };
    });
}
