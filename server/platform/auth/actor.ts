/**
 * Who is doing something, as every management operation and the audit log see it. App users are
 * not actors of the management plane; they are checked by access rules instead.
 */
export type Actor =
  | { kind: "account"; id: string; email: string; name: string; instanceAdmin: boolean; sessionId: string | null }
  | { kind: "apiKey"; id: string; projectId: string; name: string; permissions: readonly string[] }
  | { kind: "system"; id: null; label: string };

export const SYSTEM_ACTOR: Actor = { kind: "system", id: null, label: "apprun" };

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "account":
      return actor.email;
    case "apiKey":
      return `key:${actor.name}`;
    case "system":
      return actor.label;
  }
}

/** Where a request came from, for sessions and the audit log. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}
