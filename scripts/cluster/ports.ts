/** Free loopback ports for the cluster's processes. */

/** A port the OS just handed out on 127.0.0.1; another process could take it, but rarely does. */
export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = server.port as number;
  await server.stop(true);
  return port;
}
