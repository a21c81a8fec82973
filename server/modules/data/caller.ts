import type { Caller } from "../../platform/http/access";
import type { Actor, RecordOperation } from "./types";

/** Record permissions an API key's project permissions grant: `data:read` bypasses list/view rules, `data:write` the rest. */
const READ = ["records:*:list", "records:*:view"] as const;
const WRITE = ["records:*:create", "records:*:update", "records:*:delete"] as const;

/** The project permission that lets a key or member bypass the rules of one record operation. */
export function permissionFor(op: RecordOperation): "data:read" | "data:write" {
  return op === "list" || op === "view" ? "data:read" : "data:write";
}

/** The record permissions a key's project permissions grant (the one mapping; realtime uses it too). */
export function recordPermissionsOf(permissions: Iterable<string>): string[] {
  const held = new Set(permissions);
  return [...(held.has("data:read") ? READ : []), ...(held.has("data:write") ? WRITE : [])];
}

/**
 * A request's caller in the data module's terms: an app user with the token's roles, an API key
 * with the record permissions its project permissions grant, a console member as `admin` (the
 * route's access declaration already required `data:read` or `data:write` of the member), or
 * anonymous. The rules decide the rest.
 */
export function dataActorOf(caller: Caller): Actor {
  switch (caller.kind) {
    case "user":
      return { type: "user", id: caller.claims.sub, roles: caller.claims.roles };
    case "apiKey":
      return { type: "apiKey", id: caller.actor.id, permissions: recordPermissionsOf(caller.actor.permissions) };
    case "member":
      return { type: "admin", id: caller.actor.id };
    case "anonymous":
      return { type: "anonymous" };
  }
}
