import { parseArgs, type ParseArgsConfig } from "node:util";
import { systemMigrations } from "./modules/index";
import { EXIT_CONFIG, EXIT_RUNTIME, start } from "./main";
import { ensureDataDir } from "./platform/config/data-dir";
import { ConfigError, effectiveDatabaseUrl, flagNameOf, loadConfig, type ConfigSources } from "./platform/config/load";
import { openDatabase } from "./platform/db/connect";
import { migrateToLatest, migrationStatus } from "./platform/db/migrate";
import { createApp, type App } from "./app";
import type { Config } from "./platform/config/schema";
import { parseSchemaCommand, runSchemaCommand, type SchemaCliCommand } from "./modules/data/cli";
import { loadMasterKey } from "./platform/crypto/master-key";
import { toAppError } from "./platform/errors/normalize";
import { buildConsole } from "./platform/http/console-build";
import { createLogger } from "./platform/logging/logger";
import { apprunVersion, packageRoot } from "./platform/package-info";
import {
  exportCommand,
  genCommand,
  importCommand,
  PORTABILITY_HELP,
  type PortabilityCliContext,
} from "./modules/data/portability/cli-commands";

/** CLI flags that set configuration keys; each is `--kebab-case` of the key. */
const CONFIG_FLAGS = [
  "port",
  "host",
  "dataDir",
  "databaseUrl",
  "databasePoolSize",
  "busUrl",
  "publicUrl",
  "logLevel",
  "shutdownTimeoutMs",
  "bodyLimit",
] as const;

const options = {
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  "no-console": { type: "boolean" },
  email: { type: "string" },
  password: { type: "string" },
  name: { type: "string" },
  project: { type: "string" },
  "dry-run": { type: "boolean" },
  to: { type: "string" },
  output: { type: "string", short: "o" },
  ...Object.fromEntries(CONFIG_FLAGS.map((key) => [flagNameOf(key).slice(2), { type: "string" }])),
} satisfies ParseArgsConfig["options"];

const HELP = `apprun — self-hosted Backend-as-a-Service

Usage:
  apprun start [options]          serve the console and the API (default port 8080)
  apprun migrate status [options] list system migrations and whether they are applied
  apprun migrate up [options]     apply pending system migrations
  apprun admin create --email E --password P [--name N]
                                  create an instance admin account (when the console cannot)
  apprun schema apply FILE --project P [--dry-run]
                                  apply a data model (YAML or JSON) to a project, or show its plan
  apprun schema export --project P
                                  print the project's current data model as YAML
  apprun schema history --project P
                                  list the project's model versions
  apprun schema rollback --project P --to N
                                  bring the project's model back to version N (as a new version)
  apprun build                    build the console (start does this when needed)
${PORTABILITY_HELP.trimEnd()}
  apprun --help | --version

Options (each also settable as APPRUN_<KEY> or in apprun.config.yaml):
  --config PATH            configuration file (default ./apprun.config.yaml when present)
  --port N                 port to listen on (8080)
  --host ADDR              address to bind (0.0.0.0)
  --data-dir DIR           where the SQLite file, master key and files live (./apprun_data)
  --database-url URL       sqlite:PATH or postgres://user@host:5432/db[?schema=NAME]
  --database-pool-size N   PostgreSQL connections per node (10)
  --bus-url URL            message bus: embedded, or nats://[user:pass@]host:4222[?prefix=NAME]
  --public-url URL         the address users reach apprun at
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent (info)
  --shutdown-timeout-ms N  how long in-flight requests may finish on SIGTERM (10000)
  --body-limit BYTES       largest JSON request body (1048576)
  --no-console             serve the API only, without the admin console

Exit codes: 0 ok, 1 runtime failure, 2 invalid usage or configuration.
`;

export async function runCli(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`apprun: ${(err as Error).message}\nRun "apprun --help" for usage.\n`);
    return EXIT_CONFIG;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`apprun ${apprunVersion()}\n`);
    return 0;
  }
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : EXIT_CONFIG;
  }

  const flags: Record<string, unknown> = {};
  for (const key of CONFIG_FLAGS) {
    const value = (values as Record<string, unknown>)[flagNameOf(key).slice(2)];
    if (value !== undefined) flags[key] = value;
  }
  if (values["no-console"]) flags.console = false;
  const sources: ConfigSources = { configFile: values.config, flags };

  try {
    switch (command) {
      case "start":
        if (sub) return usage(`"start" takes no argument, got "${sub}"`);
        await start(sources);
        return undefined; // keeps running until a signal
      case "migrate":
        if (rest.length > 0 || (sub !== "status" && sub !== "up")) return usage('"migrate" takes "status" or "up"');
        return await migrate(sub, sources);
      case "admin":
        if (sub !== "create" || rest.length > 0) return usage('"admin" takes "create"');
        if (!values.email || !values.password) return usage('"admin create" needs --email and --password');
        return await createAdmin(sources, {
          email: values.email,
          password: values.password,
          name: values.name ?? values.email.split("@")[0]!,
        });
      case "schema": {
        const command = parseSchemaCommand(sub, rest, values);
        if (typeof command === "string") return usage(command);
        return await schema(sources, command);
      }
      case "build":
        await buildConsole(packageRoot());
        return 0;
      case "export":
        if (sub) return usage(`"export" takes no argument, got "${sub}"`);
        if (!values.project || !values.output) return usage('"export" needs --project and -o FILE');
        return await withPortability(sources, (ctx) => exportCommand(ctx, { project: values.project!, output: values.output! }));
      case "import":
        if (!sub || rest.length > 0) return usage('"import" takes one archive FILE');
        if (!values.project) return usage('"import" needs --project');
        return await withPortability(sources, (ctx) => importCommand(ctx, { project: values.project!, file: sub }));
      case "gen":
        if ((sub !== "types" && sub !== "openapi") || rest.length > 0) return usage('"gen" takes "types" or "openapi"');
        if (!values.project) return usage(`"gen ${sub}" needs --project`);
        return await withPortability(sources, (ctx) => genCommand(ctx, { what: sub, project: values.project!, output: values.output }));
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`apprun: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    process.stderr.write(`apprun: ${(err as Error).message}\n`);
    return EXIT_RUNTIME;
  }
}

function usage(message: string): number {
  process.stderr.write(`apprun: ${message}\nRun "apprun --help" for usage.\n`);
  return EXIT_CONFIG;
}

async function createAdmin(sources: ConfigSources, input: { email: string; password: string; name: string }): Promise<number> {
  return withLocalApp(sources, async (app) => {
    try {
      const account = await app.services.accounts.create({ ...input, instanceAdmin: true }, { kind: "system", id: null, label: "cli" });
      process.stdout.write(`created instance admin ${account.email} (${account.id})\n`);
      return 0;
    } catch (err) {
      const appError = toAppError(err, { bodyLimit: 0 });
      if (!appError) throw err;
      const issues = (appError.details.issues as Array<{ path: string; message: string }> | undefined)
        ?.map((i) => `${i.path}: ${i.message}`)
        .join("; ");
      process.stderr.write(
        `apprun: ${appError.code}${issues ? ` (${issues})` : appError.details.email ? ` (${String(appError.details.email)})` : ""}\n`,
      );
      return EXIT_CONFIG;
    }
  });
}

/** Opens the instance's database (migrated, master key checked) without serving, for commands that use the services. */
async function withLocalApp(sources: ConfigSources, work: (app: App, config: Config) => Promise<number>): Promise<number> {
  const config = { ...loadConfig(sources), console: false };
  // On PostgreSQL nothing is written to dataDir unless the key below is new and the database takes it.
  if (!effectiveDatabaseUrl(config).startsWith("postgres")) ensureDataDir(config.dataDir);
  const logger = createLogger({ level: "warn", pretty: false });
  const masterKey = loadMasterKey(config);
  const app = await createApp({ config, logger, masterKey: masterKey.key });
  try {
    await app.database.ping();
    await app.prepareDatabase();
    masterKey.persist();
    return await work(app, config);
  } finally {
    await app.close();
  }
}

/** `apprun export|import|gen`: the portability commands, on the local instance. */
function withPortability(sources: ConfigSources, work: (ctx: PortabilityCliContext) => Promise<number>): Promise<number> {
  return withLocalApp(sources, (app, config) => {
    const publicUrl = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, "");
    return work({
      data: app.services.data,
      projects: app.services.projects,
      catalog: app.catalog,
      publicUrl,
      apprunVersion: apprunVersion(),
      stdout: process.stdout,
      stderr: process.stderr,
    });
  });
}

/** `apprun schema …`: opens the database directly, like `admin create`; the author of a change is "cli". */
function schema(sources: ConfigSources, command: SchemaCliCommand): Promise<number> {
  return withLocalApp(sources, async (app) => {
    try {
      const { data, projects, audit } = app.services;
      await runSchemaCommand(command, { data, projects, audit, catalog: app.catalog, out: (text) => void process.stdout.write(text) });
      return 0;
    } catch (err) {
      const appError = toAppError(err, { bodyLimit: 0 });
      if (!appError) throw err;
      const issues =
        (appError.details.issues as Array<{ path?: string; message?: string; code?: string }> | undefined)
          ?.map((i) => `\n  ${i.path ? `${i.path}: ` : ""}${i.message ?? i.code ?? ""}`)
          .join("") ?? "";
      process.stderr.write(`apprun: ${appError.code}: ${app.catalog.format(appError.code, "en", appError.details)}${issues}\n`);
      return EXIT_CONFIG;
    }
  });
}

async function migrate(action: "status" | "up", sources: ConfigSources): Promise<number> {
  const config = loadConfig(sources);
  ensureDataDir(config.dataDir);
  const database = openDatabase(effectiveDatabaseUrl(config), { poolSize: 1 });
  try {
    await database.ping();
    if (action === "up") {
      const applied = await migrateToLatest(database.db, systemMigrations);
      process.stdout.write(applied.length ? applied.map((m) => `applied ${m.migrationName}\n`).join("") : "nothing to apply: up to date\n");
      return 0;
    }
    const states = await migrationStatus(database.db, systemMigrations);
    const width = Math.max(...states.map((s) => s.name.length), 4);
    process.stdout.write(`${"NAME".padEnd(width)}  APPLIED\n`);
    for (const s of states) process.stdout.write(`${s.name.padEnd(width)}  ${s.executedAt ?? "pending"}\n`);
    return 0;
  } finally {
    await database.close();
  }
}
