import type { Migration } from "kysely";
import * as m0001 from "./0001_instance";
import * as m0050 from "./0050_data_model";

/**
 * System migrations in the order they apply. Listed statically (not read from disk) so the
 * bundled server carries them; names sort in the same order.
 */
export const systemMigrations: Record<string, Migration> = {
  "0001_instance": m0001,
  "0050_data_model": m0050,
};
