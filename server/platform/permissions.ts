// The browser imports this file (roles matrix, key dialogs): no Node built-ins here.

/** The roles every project has; custom roles add to them. */
export const BUILT_IN_ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/** A permission's name: `module:action`, lower case. */
export const PERMISSION_NAME = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/;

export function isBuiltInRole(value: string): value is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(value);
}
