/** product-service configuration: the kit's variables plus the internal reservation API's token. */
import {
  internalTokenShape,
  isLoopbackHost,
  KIT_CLOUD_REQUIRED_VARIABLES,
  kitConfigShape,
} from "service-kit";
import { z } from "zod";

export const configSchema = z
  .object({
    ...kitConfigShape,
    PORT: kitConfigShape.PORT.default(3001),
    SEED_DEMO_DATA: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true"),
    /** Service token for /internal/*; order-service sends the same value. */
    ...internalTokenShape,
  })
  .superRefine((config, context) => {
    // The reservation API moves stock: off loopback it must never be reachable without a token.
    if (isLoopbackHost(config.HOST) || config.INTERNAL_TOKEN || config.INTERNAL_TOKEN_SSM_PARAMETER) return;
    context.addIssue({
      code: "custom",
      path: ["INTERNAL_TOKEN"],
      message: `must be set when HOST (${config.HOST}) is not a loopback address, or INTERNAL_TOKEN_SSM_PARAMETER must name it`,
    });
  });

export type ProductConfig = z.infer<typeof configSchema>;

/** What a deployed task must be given (checked against the Copilot manifests in test/deploy). */
export const cloudRequiredVariables: readonly string[] = KIT_CLOUD_REQUIRED_VARIABLES;
