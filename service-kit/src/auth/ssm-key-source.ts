/**
 * API keys from an SSM SecureString parameter holding a JSON list of key records. The set is read at
 * start (failing closed when it cannot be), then refreshed in the background every TTL. A failed
 * refresh keeps the last good set and logs a warning, so an SSM hiccup does not lock every caller out;
 * a removed key stops working within one TTL, so rotation needs no restart.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Logger } from "../log.ts";
import { ApiKeySet, keyRecordListSchema } from "./api-keys.ts";
import { readSecureString } from "./ssm-client.ts";

export interface KeySource {
  current(): ApiKeySet;
  stop(): void;
}

/** Keys fixed for the life of the process (API_KEYS, for development). */
export function staticKeySource(set: ApiKeySet): KeySource {
  return { current: () => set, stop: () => undefined };
}

export interface SsmKeySourceOptions {
  client: SSMClient;
  parameter: string;
  ttlSeconds: number;
  log: Logger;
}

export class SsmKeySource implements KeySource {
  private set: ApiKeySet = new ApiKeySet([]);
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | undefined;

  private constructor(private readonly options: SsmKeySourceOptions) {}

  /** Loads the keys once (throwing a one-line error if it cannot) and starts the refresh timer. */
  static async start(options: SsmKeySourceOptions): Promise<SsmKeySource> {
    const source = new SsmKeySource(options);
    await source.load();
    source.timer = setInterval(() => void source.refresh(), options.ttlSeconds * 1000);
    source.timer.unref?.();
    options.log.info("API keys loaded from SSM", { parameter: options.parameter, keys: source.set.size });
    return source;
  }

  current(): ApiKeySet {
    return this.set;
  }

  /** Reloads now; on failure keeps the last good set. Concurrent calls share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .catch((error: unknown) => {
        this.options.log.warn("API key refresh failed; keeping the last good set", {
          parameter: this.options.parameter,
          keys: this.set.size,
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<void> {
    const text = await readSecureString(this.options.client, this.options.parameter);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(
        `SSM parameter ${this.options.parameter} is not JSON; it must hold a list of key records`,
      );
    }
    const parsed = keyRecordListSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? issue.path.join(".") : "";
      throw new Error(
        `SSM parameter ${this.options.parameter} has an invalid key record at [${where}]: ${issue?.message ?? "invalid"}`,
      );
    }
    this.set = new ApiKeySet(parsed.data);
  }
}
