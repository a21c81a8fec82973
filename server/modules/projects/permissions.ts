// The console imports this file into the browser: zod and Node-free modules only.
import type { Permission } from "../../platform/module";

export { BUILT_IN_ROLES, isBuiltInRole, type BuiltInRole } from "../../platform/permissions";

/**
 * A project permission, `module:action`. Modules declare their own (see `server/platform/module.ts`);
 * the catalog of a running instance is what `projects.permissions` answers.
 */
export type { Permission };
