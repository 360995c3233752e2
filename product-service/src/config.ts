/** product-service configuration: the kit's variables plus the internal reservation API's token. */
import { kitConfigShape } from "service-kit/config";
import { z } from "zod";

export const configSchema = z.object({
  ...kitConfigShape,
  PORT: kitConfigShape.PORT.default(3001),
  SEED_DEMO_DATA: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true"),
});

export type ProductConfig = z.infer<typeof configSchema>;

/** What a deployed task must be given (checked against the Copilot manifests in test/deploy). */
export const cloudRequiredVariables: readonly string[] = [
  "PORT",
  "HOST",
  "BASE_PATH",
  "DB_SECRET",
  "DATABASE_SCHEMA",
];
