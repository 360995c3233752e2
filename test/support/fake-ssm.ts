/**
 * A local stand-in for AWS SSM that speaks the real wire protocol (AWS JSON 1.1), so the real
 * `@aws-sdk/client-ssm` talks to it over HTTP through its `endpoint` option. It serves GetParameter
 * only, counts calls, and can be switched "down" (503 answers, or the port closed).
 */
import type { Server } from "bun";

export interface FakeSsm {
  endpoint: string;
  port: number;
  /** Sets (or replaces) a parameter's value; each change bumps its version. */
  put(name: string, value: string): void;
  remove(name: string): void;
  /** "503": answer every call with ServiceUnavailable; "refuse": close the port. */
  down(mode?: "503" | "refuse"): Promise<void>;
  up(): void;
  /** GetParameter calls served so far (including failed ones while in 503 mode). */
  calls(): number;
  /** Environment for a service process that should read from this fake. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

interface Parameter {
  value: string;
  version: number;
}

function awsJson(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": crypto.randomUUID() },
  });
}

export async function startFakeSsm(): Promise<FakeSsm> {
  const parameters = new Map<string, Parameter>();
  let mode: "up" | "503" = "up";
  let count = 0;

  const fetch = async (request: Request): Promise<Response> => {
    const target = request.headers.get("x-amz-target") ?? "";
    if (request.method !== "POST" || !target.startsWith("AmazonSSM.")) {
      return awsJson(400, { __type: "UnknownOperationException", message: `unsupported request ${target}` });
    }
    count += 1;
    if (mode === "503") return awsJson(503, { __type: "ServiceUnavailable", message: "fake SSM is down" });
    if (target !== "AmazonSSM.GetParameter") {
      return awsJson(400, {
        __type: "UnknownOperationException",
        message: `${target} is not implemented here`,
      });
    }
    const input = (await request.json()) as { Name?: string; WithDecryption?: boolean };
    const parameter = input.Name ? parameters.get(input.Name) : undefined;
    if (!input.Name || !parameter) {
      return awsJson(400, {
        __type: "ParameterNotFound",
        message: `Parameter ${input.Name ?? ""} not found.`,
      });
    }
    return awsJson(200, {
      Parameter: {
        Name: input.Name,
        Type: "SecureString",
        // Without decryption AWS returns the ciphertext; a caller that forgets WithDecryption must notice.
        Value: input.WithDecryption ? parameter.value : `ciphertext:${btoa(parameter.value).slice(0, 16)}`,
        Version: parameter.version,
        LastModifiedDate: Date.now() / 1000,
        ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${input.Name.startsWith("/") ? "" : "/"}${input.Name}`,
        DataType: "text",
      },
    });
  };

  let server: Server<undefined> | undefined = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
  const port = server.port as number;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    put(name, value) {
      const previous = parameters.get(name);
      parameters.set(name, { value, version: (previous?.version ?? 0) + 1 });
    },
    remove(name) {
      parameters.delete(name);
    },
    async down(how = "503") {
      if (how === "503") {
        mode = "503";
        return;
      }
      await server?.stop(true);
      server = undefined;
    },
    up() {
      mode = "up";
      server ??= Bun.serve({ hostname: "127.0.0.1", port, fetch });
    },
    calls: () => count,
    env: () => ({
      SSM_ENDPOINT: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0000",
      AWS_SECRET_ACCESS_KEY: "fake-secret-access-key-for-tests",
    }),
    async stop() {
      await server?.stop(true);
      server = undefined;
    },
  };
}
