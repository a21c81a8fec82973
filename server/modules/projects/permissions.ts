/**
 * Every permission a project role can hold, as `module:action`. Only modules that exist appear;
 * a module adds its permissions here when it lands, and the built-in roles below say who gets them.
 */
export const PERMISSIONS = [
  "project:read",
  "project:update",
  "project:delete",
  "project:transfer",
  "members:read",
  "members:manage",
  "roles:manage",
  "audit:read",
  "grants:manage",
  "keys:read",
  "keys:manage",
  "users:read",
  "users:manage",
  "auth:configure",
  "data:read",
  "data:write",
  "schema:manage",
  "events:read",
  "events:publish",
  "events:manage",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const BUILT_IN_ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const all = new Set<Permission>(PERMISSIONS);
const readOnly = new Set<Permission>(PERMISSIONS.filter((p) => p.endsWith(":read")));

export const BUILT_IN_PERMISSIONS: Record<BuiltInRole, ReadonlySet<Permission>> = {
  /** Everything, including deleting the project and handing it over. */
  owner: all,
  /** Everything but deleting or transferring the project. */
  admin: new Set(PERMISSIONS.filter((p) => p !== "project:delete" && p !== "project:transfer")),
  /** Builds the app: reads everything, manages app users, data, models and events; not members, roles, keys or settings. */
  developer: new Set<Permission>([...readOnly, "users:manage", "data:write", "schema:manage", "events:publish", "events:manage"]),
  /** Reads everything, changes nothing. */
  viewer: readOnly,
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function isBuiltInRole(value: string): value is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(value);
}
