import type { Kysely } from "kysely";
import type { SystemTables } from "./tables";
import { ConfigError } from "../../platform/config/load";

const INSTANCE_ID = "default";

/**
 * Records which master key this database was set up with, and refuses to run with another:
 * secrets sealed under one key cannot be opened with a different one, so a node started with
 * the wrong key must stop before it writes anything.
 */
export async function ensureInstance(db: Kysely<SystemTables>, fingerprint: string): Promise<void> {
  await db
    .insertInto("apprun_instance")
    .values({ id: INSTANCE_ID, master_key_fingerprint: fingerprint })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const row = await db
    .selectFrom("apprun_instance")
    .select("master_key_fingerprint")
    .where("id", "=", INSTANCE_ID)
    .executeTakeFirstOrThrow();
  if (row.master_key_fingerprint !== fingerprint) {
    throw new ConfigError(
      "masterKey does not match the key this database was set up with; give every node the same key (APPRUN_MASTER_KEY or dataDir/master.key)",
      "masterKey",
    );
  }
}
