/**
 * A second apprun node for the event center's two-node test, run as a child process: joins the
 * given database and bus with the given master key, listens on an ephemeral port, prints
 * `port <n>` once ready, and runs until it is killed.
 *
 *   node --import tsx server/testing/events-node.ts <databaseUrl> <busUrl> <masterKeyHex> <dataDir>
 */
import pino from "pino";
import { createApp } from "../app";
import { configSchema } from "../platform/config/schema";

const [databaseUrl, busUrl, masterKeyHex, dataDir] = process.argv.slice(2) as [string, string, string, string];
const config = configSchema.parse({ port: 0, host: "127.0.0.1", dataDir, databaseUrl, busUrl, console: false, trustProxy: true });
const app = await createApp({
  config,
  logger: pino({ level: "error" }, pino.destination(2)),
  masterKey: Buffer.from(masterKeyHex, "hex"),
  passwordParams: { ln: 10, r: 8, p: 1 },
});
const address = await app.listen();
await app.ready;
process.stdout.write(`port ${address.port}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
