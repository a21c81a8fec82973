import { AppError } from "../../platform/errors/app-error";

declare const projectIdBrand: unique symbol;
declare const recordIdBrand: unique symbol;

/**
 * A project's id, as the projects module makes them (`prj_0m3k9x2p7q4r8s1t0ab`): up to 24 lowercase
 * letters, digits and single underscores. It names the project's schema / table prefix.
 */
export type ProjectId = string & { readonly [projectIdBrand]: true };
/** A record's id: 1–64 of `[A-Za-z0-9_-]`; generated ones are 15-character time-ordered ids. */
export type RecordId = string & { readonly [recordIdBrand]: true };

const PROJECT_ID = /^(?=.{1,24}$)[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isProjectId(value: unknown): value is ProjectId {
  return typeof value === "string" && PROJECT_ID.test(value);
}

export function toProjectId(value: string): ProjectId {
  if (!isProjectId(value)) throw new AppError("invalid_project_id", 400, { project: String(value).slice(0, 80) });
  return value;
}

export function isRecordId(value: unknown): value is RecordId {
  return typeof value === "string" && RECORD_ID.test(value);
}

/**
 * Who is calling. Project admins bypass access rules; an API key bypasses them for the
 * operations its permissions name (`records:<collection>:<operation>`, `*` allowed for either
 * part); everyone else is judged by the collection's rules (`auth` in rules is null for
 * anonymous callers and API keys without the permission).
 */
export type Actor =
  | { type: "admin"; id: string }
  | { type: "apiKey"; id: string; permissions: readonly string[] }
  | { type: "user"; id: string; roles: readonly string[] }
  | { type: "anonymous" };

export const RECORD_OPERATIONS = ["list", "view", "create", "update", "delete"] as const;
export type RecordOperation = (typeof RECORD_OPERATIONS)[number];

/** What `auth` means inside a rule or filter. */
export interface AuthContext {
  id: string | null;
  type: "user" | "admin" | "apiKey" | "anonymous";
  roles: string[];
}

export function authContextOf(actor: Actor): AuthContext {
  switch (actor.type) {
    case "user":
      return { id: actor.id, type: "user", roles: [...actor.roles] };
    case "admin":
      return { id: actor.id, type: "admin", roles: [] };
    case "apiKey":
      return { id: null, type: "apiKey", roles: [] };
    default:
      return { id: null, type: "anonymous", roles: [] };
  }
}

/** Whether the actor bypasses a collection's rule for one operation. */
export function bypassesRules(actor: Actor, collection: string, operation: RecordOperation): boolean {
  if (actor.type === "admin") return true;
  if (actor.type !== "apiKey") return false;
  return actor.permissions.some((p) => {
    const [scope, coll, op] = p.split(":");
    return scope === "records" && (coll === "*" || coll === collection) && (op === "*" || op === operation);
  });
}

/** A record as the API returns it: system fields, then the collection's fields, then expansions. */
export type RecordData = Record<string, unknown> & { id: string; created?: string; updated?: string; expand?: Record<string, unknown> };

/** The database handle the data module takes: any Kysely table typing (its tables are defined at run time). */

export type AnyDatabase = import("../../platform/db/connect").Database<any>;
