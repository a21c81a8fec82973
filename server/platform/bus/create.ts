import type { Logger } from "pino";
import type { PlatformTables } from "../../../db/schema";
import type { Database } from "../db/connect";
import type { Bus } from "./bus";
import { createEmbeddedBus } from "./embedded";
import { createNatsBus } from "./nats";

/** The driver `busUrl` names: `embedded` (in-process + SQL log in `database`) or `nats://…` (JetStream). */
export function createBus(busUrl: string, deps: { database: Database<PlatformTables>; logger?: Logger }): Bus {
  if (busUrl === "embedded") return createEmbeddedBus({ database: deps.database, logger: deps.logger });
  if (busUrl.startsWith("nats://")) return createNatsBus({ url: busUrl, logger: deps.logger });
  throw new Error(`unsupported bus URL: ${busUrl.replace(/\/\/[^@/]*@/, "//***@")}`);
}
