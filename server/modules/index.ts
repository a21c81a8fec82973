import type { Migration } from "kysely";
import { platformMigrations } from "../../db/migrations";
import type { AnyModule } from "../platform/module";
import { accountsModule } from "./accounts/module";
import { ssoModule } from "./accounts/sso-module";
import { auditModule } from "./audit/module";
import { authModule } from "./auth/module";
import { dataModule } from "./data/module";
import { eventsModule } from "./events/module";
import { instanceModule } from "./instance/module";
import { mailModule } from "./mail/module";
import { projectsModule } from "./projects/module";
import { realtimeModule } from "./realtime/module";
import { systemModule } from "./system/module";

/**
 * Every module of apprun. The app sorts them by their dependencies, so the order here only breaks
 * ties; adding a module is its folder and one line here (and one in `server/trpc/router.ts` for
 * the console's types).
 */
export const modules: readonly AnyModule[] = [
  systemModule,
  auditModule,
  instanceModule,
  mailModule,
  accountsModule,
  projectsModule,
  ssoModule,
  authModule,
  dataModule,
  eventsModule,
  realtimeModule,
];

/** Every system migration of a module list (the platform's and each module's), in the order they apply. */
export function systemMigrationsOf(list: readonly AnyModule[]): Record<string, Migration> {
  const all: Record<string, Migration> = { ...platformMigrations };
  for (const m of list) {
    for (const [name, migration] of Object.entries(m.migrations ?? {})) {
      if (name in all) throw new Error(`system migration ${name} of module "${m.name}" is declared twice`);
      all[name] = migration;
    }
  }
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The system migrations of the app's modules. */
export const systemMigrations = systemMigrationsOf(modules);
