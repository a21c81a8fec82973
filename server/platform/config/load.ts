import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { CONFIG_KEYS, configSchema, type Config, type ConfigKey } from "./schema";

export const DEFAULT_CONFIG_FILE = "apprun.config.yaml";
const ENV_PREFIX = "APPRUN_";

/** A configuration problem; start-up stops with exit code 2 and this message. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface ConfigSources {
  /** Explicit `--config PATH`; without it `apprun.config.yaml` in `cwd` is read when present. */
  configFile?: string;
  env?: Record<string, string | undefined>;
  /** CLI flags already mapped to config keys. */
  flags?: Record<string, unknown>;
  cwd?: string;
}

/** `dataDir` → `APPRUN_DATA_DIR` */
export function envNameOf(key: string): string {
  return ENV_PREFIX + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

/** `dataDir` → `--data-dir` */
export function flagNameOf(key: string): string {
  return "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

const keyByEnvName = new Map(CONFIG_KEYS.map((k) => [envNameOf(k), k]));

/**
 * Merges defaults < config file < APPRUN_* environment < CLI flags and validates the result
 * with one schema. Every error names the key and the source it came from.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const cwd = sources.cwd ?? process.cwd();
  const env = sources.env ?? process.env;
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};

  const file = readConfigFile(sources.configFile, cwd);
  if (file) {
    for (const [key, value] of Object.entries(file.values)) {
      merged[key] = value;
      origin[key] = file.path;
    }
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = keyByEnvName.get(name);
    if (!key) {
      throw new ConfigError(`unknown environment variable ${name} (known: ${[...keyByEnvName.keys()].join(", ")})`, name);
    }
    merged[key] = value;
    origin[key] = `environment variable ${name}`;
  }

  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key] = value;
    origin[key] = `flag ${flagNameOf(key)}`;
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0]!;
      throw new ConfigError(`unknown configuration key "${key}"${origin[key] ? ` in ${origin[key]}` : ""}`, key);
    }
    const key = String(issue.path[0] ?? "");
    const from = origin[key] ? ` (from ${origin[key]})` : "";
    throw new ConfigError(`invalid configuration value for "${key}"${from}: ${issue.message}`, key);
  }
  const config = parsed.data;
  return { ...config, dataDir: path.resolve(cwd, config.dataDir) };
}

function readConfigFile(explicit: string | undefined, cwd: string): { path: string; values: Record<string, unknown> } | null {
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!fs.existsSync(file)) {
    if (explicit) throw new ConfigError(`config file ${file} does not exist`, "config");
    return null;
  }
  let values: unknown;
  try {
    values = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`, "config");
  }
  if (values === null || values === undefined) return { path: file, values: {} };
  if (typeof values !== "object" || Array.isArray(values)) {
    throw new ConfigError(`config file ${file} must hold a mapping of keys to values`, "config");
  }
  return { path: file, values: values as Record<string, unknown> };
}

/** Where the SQLite file lives when no database URL is configured. */
export function effectiveDatabaseUrl(config: Pick<Config, "databaseUrl" | "dataDir">): string {
  return config.databaseUrl ?? `sqlite:${path.join(config.dataDir, "apprun.db")}`;
}

export type { Config, ConfigKey };
