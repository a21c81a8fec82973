import type { Migration } from "kysely";
import * as m0080 from "./0080_bus";

/**
 * The platform's own system migrations (the bus's tables). Each module brings its own in its
 * definition (`migrations`); the app applies all of them in name order, so names sort globally.
 * Listed statically (not read from disk) so the bundled server carries them.
 */
export const platformMigrations: Record<string, Migration> = {
  "0080_bus": m0080,
};
