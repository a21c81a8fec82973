import { z } from "zod";
import { parseNatsUrl } from "../bus/nats-url";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const databaseUrl = z.string().refine((v) => /^(postgres|postgresql):\/\//.test(v) || v.startsWith("sqlite:"), {
  message: "must start with sqlite: (a file path) or postgres:// (a PostgreSQL URL)",
});

const busUrl = z.string().superRefine((v, ctx) => {
  if (v === "embedded") return;
  if (!v.startsWith("nats://")) {
    ctx.addIssue({ code: "custom", message: 'must be "embedded" or a NATS URL nats://[user:pass@]host:4222[?prefix=NAME&replicas=N]' });
    return;
  }
  const parsed = parseNatsUrl(v);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `the NATS URL ${parsed}` });
});

const masterKey = z.string().refine((v) => decodeKey(v) !== null, {
  message: "must be 32 bytes encoded as base64 (44 characters) or hex (64 characters)",
});

/** The one schema every configuration source is validated against. */
export const configSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default("0.0.0.0"),
    dataDir: z.string().min(1).default("./apprun_data"),
    /** Unset: a SQLite file `apprun.db` inside `dataDir`. */
    databaseUrl: databaseUrl.optional(),
    /** Connections per node to PostgreSQL. */
    databasePoolSize: z.coerce.number().int().min(1).max(200).default(10),
    busUrl: busUrl.default("embedded"),
    /** The address users reach apprun at, for links in mails and redirects. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    /** Encrypts secrets at rest. Unset: read from, or generated into, `dataDir/master.key`. */
    masterKey: masterKey.optional(),
    /** How long in-flight requests may take to finish after SIGTERM/SIGINT. */
    shutdownTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** Largest JSON request body accepted, in bytes. */
    bodyLimit: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(1024 * 1024),
    /** Behind a load balancer: take client addresses (for rate limits, sessions, audit) from X-Forwarded-For. */
    trustProxy: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).default(false),
    /** Serve the admin console (Next.js). Off: an API-only node. */
    console: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).default(true),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type ConfigKey = keyof Config;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/** 32 raw bytes from base64 or hex text, or null when it is neither. */
export function decodeKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return Buffer.from(trimmed, "base64");
  return null;
}
