import type { Migration } from "kysely";
import * as m0001 from "./0001_instance";
import * as m0002 from "./0002_identity";
import * as m0003 from "./0003_projects";
import * as m0010 from "./0010_app_auth";
import * as m0050 from "./0050_data_model";
import * as m0080 from "./0080_bus";
import * as m0090 from "./0090_events";
import * as m0095 from "./0095_realtime";

/**
 * System migrations in the order they apply. Listed statically (not read from disk) so the
 * bundled server carries them; names sort in the same order.
 */
export const systemMigrations: Record<string, Migration> = {
  "0001_instance": m0001,
  "0002_identity": m0002,
  "0003_projects": m0003,
  "0010_app_auth": m0010,
  "0050_data_model": m0050,
  "0080_bus": m0080,
  "0090_events": m0090,
  "0095_realtime": m0095,
};
