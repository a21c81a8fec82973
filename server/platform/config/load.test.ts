import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, effectiveDatabaseUrl, envNameOf, flagNameOf, loadConfig } from "./load";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-config-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeYaml(text: string, name = "apprun.config.yaml") {
  fs.writeFileSync(path.join(dir, name), text);
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("has working defaults with no sources", () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config).toMatchObject({ port: 8080, host: "0.0.0.0", busUrl: "embedded", logLevel: "info", console: true });
    expect(config.dataDir).toBe(path.join(dir, "apprun_data"));
    expect(effectiveDatabaseUrl(config)).toBe(`sqlite:${path.join(dir, "apprun_data", "apprun.db")}`);
  });

  it("layers defaults < file < environment < flags", () => {
    writeYaml("port: 9000\nhost: 127.0.0.1\nlogLevel: debug\n");
    const fileOnly = loadConfig({ cwd: dir, env: {} });
    expect(fileOnly).toMatchObject({ port: 9000, host: "127.0.0.1", logLevel: "debug" });

    const withEnv = loadConfig({ cwd: dir, env: { APPRUN_PORT: "9100", APPRUN_LOG_LEVEL: "warn" } });
    expect(withEnv).toMatchObject({ port: 9100, host: "127.0.0.1", logLevel: "warn" });

    const withFlags = loadConfig({ cwd: dir, env: { APPRUN_PORT: "9100" }, flags: { port: "9200" } });
    expect(withFlags.port).toBe(9200);
    expect(withFlags.logLevel).toBe("debug");
  });

  it("reads an explicit --config path and fails when it is missing", () => {
    writeYaml("port: 7000\n", "custom.yaml");
    expect(loadConfig({ cwd: dir, env: {}, configFile: "custom.yaml" }).port).toBe(7000);
    expect(configError(() => loadConfig({ cwd: dir, env: {}, configFile: "absent.yaml" })).message).toMatch(/absent\.yaml does not exist/);
  });

  it("selects PostgreSQL from a postgres:// URL", () => {
    const config = loadConfig({ cwd: dir, env: { APPRUN_DATABASE_URL: "postgres://u@db:5432/app" } });
    expect(effectiveDatabaseUrl(config)).toBe("postgres://u@db:5432/app");
  });

  it.each([
    [{ APPRUN_PORT: "eighty" }, "port", /environment variable APPRUN_PORT/],
    [{ APPRUN_PORT: "70000" }, "port", /too big|<=65535/],
    [{ APPRUN_LOG_LEVEL: "loud" }, "logLevel", /fatal|error/],
    [{ APPRUN_DATABASE_URL: "mysql://x" }, "databaseUrl", /sqlite: .* or postgres:\/\//],
    [{ APPRUN_BUS_URL: "amqp://x" }, "busUrl", /"embedded" or a NATS URL/],
    [{ APPRUN_BUS_URL: "nats://host:99999" }, "busUrl", /NATS URL has an invalid port/],
    [{ APPRUN_BUS_URL: "nats://host?prefix=a.b" }, "busUrl", /prefix must be/],
    [{ APPRUN_PUBLIC_URL: "ftp://x" }, "publicUrl", /publicUrl/],
    [{ APPRUN_MASTER_KEY: "short" }, "masterKey", /32 bytes/],
    [{ APPRUN_CONSOLE: "maybe" }, "console", /console/],
  ])("names the key of an invalid value %o", (env, key, message) => {
    const err = configError(() => loadConfig({ cwd: dir, env }));
    expect(err.key).toBe(key);
    expect(err.message).toContain(`"${key}"`);
    expect(err.message).toMatch(message);
  });

  it("rejects unknown keys in the file and unknown APPRUN_ variables, naming them", () => {
    writeYaml("port: 8080\nprot: 1\n");
    const fromFile = configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(fromFile.message).toMatch(/unknown configuration key "prot" in .*apprun\.config\.yaml/);

    fs.rmSync(path.join(dir, "apprun.config.yaml"));
    const fromEnv = configError(() => loadConfig({ cwd: dir, env: { APPRUN_PROT: "1" } }));
    expect(fromEnv.message).toMatch(/unknown environment variable APPRUN_PROT/);
  });

  it("reports YAML that does not parse or is not a mapping", () => {
    writeYaml("port: [1, 2\n");
    expect(configError(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/not valid YAML/);
    writeYaml("- 1\n- 2\n");
    expect(configError(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/mapping/);
  });

  it("accepts the embedded bus or a NATS URL", () => {
    expect(loadConfig({ cwd: dir, env: { APPRUN_BUS_URL: "embedded" } }).busUrl).toBe("embedded");
    const url = "nats://app:secret@n1:4222,n2:4222?prefix=prod";
    expect(loadConfig({ cwd: dir, env: {}, flags: { busUrl: url } }).busUrl).toBe(url);
  });

  it("accepts a 32-byte master key in hex or base64", () => {
    const hex = "ab".repeat(32);
    expect(loadConfig({ cwd: dir, env: { APPRUN_MASTER_KEY: hex } }).masterKey).toBe(hex);
    const b64 = Buffer.alloc(32, 7).toString("base64");
    expect(loadConfig({ cwd: dir, env: { APPRUN_MASTER_KEY: b64 } }).masterKey).toBe(b64);
  });

  it("maps keys to environment and flag names", () => {
    expect(envNameOf("dataDir")).toBe("APPRUN_DATA_DIR");
    expect(envNameOf("shutdownTimeoutMs")).toBe("APPRUN_SHUTDOWN_TIMEOUT_MS");
    expect(flagNameOf("databaseUrl")).toBe("--database-url");
  });
});
