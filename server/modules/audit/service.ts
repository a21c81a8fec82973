import type { Kysely } from "kysely";
import type { AuditTables } from "./tables";
import { actorLabel, type Actor } from "../../platform/auth/actor";
import { readJson, readTime } from "../../platform/db/dialect";
import { newId } from "../../platform/crypto/tokens";
import type { Tx } from "../../platform/db/column-types";

export interface AuditEntry {
  projectId: string | null;
  action: string;
  target: { kind: string; id?: string | null };
  data?: Record<string, unknown>;
  ip?: string | null;
}

export interface AuditRecord {
  id: string;
  projectId: string | null;
  actor: { kind: string; id: string | null; label: string };
  action: string;
  target: { kind: string; id: string | null };
  data: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}

type Db = Kysely<AuditTables>;

/**
 * Who changed what: members, roles, settings, keys, projects. Entries are written in the same
 * transaction as the change they describe (pass the transaction as `db`), so there is never a
 * change without its entry or an entry without its change.
 */
export function createAuditService(deps: { db: Db }) {
  return {
    async record(actor: Actor, entry: AuditEntry, db: Tx = deps.db): Promise<void> {
      await db
        .insertInto("audit_log")
        .values({
          id: newId("aud"),
          project_id: entry.projectId,
          actor_kind: actor.kind,
          actor_id: actor.id,
          actor_label: actorLabel(actor),
          action: entry.action,
          target_kind: entry.target.kind,
          target_id: entry.target.id ?? null,
          data: JSON.stringify(entry.data ?? {}),
          ip: entry.ip ?? null,
        })
        .execute();
    },

    /** Removes a deleted project's own entries (inside the deletion's transaction). */
    async forgetProject(projectId: string, db: Tx = deps.db): Promise<void> {
      await db.deleteFrom("audit_log").where("project_id", "=", projectId).execute();
    },

    /** Newest first; `before` is the last id of the previous page. */
    async list(query: {
      projectId: string | null;
      limit: number;
      before?: string;
      action?: string;
      actorId?: string;
    }): Promise<AuditRecord[]> {
      let q = deps.db.selectFrom("audit_log").selectAll().orderBy("id", "desc").limit(query.limit);
      q = query.projectId === null ? q.where("project_id", "is", null) : q.where("project_id", "=", query.projectId);
      if (query.before) q = q.where("id", "<", query.before);
      if (query.action) q = q.where("action", "=", query.action);
      if (query.actorId) q = q.where("actor_id", "=", query.actorId);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        projectId: r.project_id,
        actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label },
        action: r.action,
        target: { kind: r.target_kind, id: r.target_id },
        data: readJson<Record<string, unknown>>(r.data),
        ip: r.ip,
        createdAt: readTime(r.created_at),
      }));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
