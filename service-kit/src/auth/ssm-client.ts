/**
 * One way to build the SSM client and read a SecureString, shared by the API key source and the
 * internal token. `SSM_ENDPOINT` points the real client at a local fake in tests; in the cloud the
 * task role's credentials and AWS_REGION come from the environment as usual.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";

type SsmModule = typeof import("@aws-sdk/client-ssm");
let ssmModule: Promise<SsmModule> | undefined;

/** The AWS SDK is loaded on first use: most starts never read SSM, and loading it costs start-up time. */
function loadSsm(): Promise<SsmModule> {
  ssmModule ??= import("@aws-sdk/client-ssm");
  return ssmModule;
}

export interface SsmOptions {
  region?: string | undefined;
  endpoint?: string | undefined;
}

export async function createSsmClient(options: SsmOptions): Promise<SSMClient> {
  const { SSMClient } = await loadSsm();
  return new SSMClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // One quick retry: a refresh that fails keeps the last good value, and start-up should fail fast.
    maxAttempts: 2,
  });
}

/** Reads and decrypts one parameter; errors name the parameter and the AWS error, never the value. */
export async function readSecureString(client: SSMClient, name: string, timeoutMs = 5000): Promise<string> {
  const { GetParameterCommand } = await loadSsm();
  let value: string | undefined;
  try {
    const result = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    value = result.Parameter?.Value;
  } catch (error) {
    throw new Error(`cannot read SSM parameter ${name}: ${describeAwsError(error)}`);
  }
  if (value === undefined || value === "") throw new Error(`SSM parameter ${name} is empty`);
  return value;
}

function describeAwsError(error: unknown): string {
  if (error && typeof error === "object") {
    const { name, message } = error as { name?: string; message?: string };
    if (name && message && !message.startsWith(name)) return `${name}: ${message}`;
    return message ?? name ?? "unknown error";
  }
  return String(error);
}
