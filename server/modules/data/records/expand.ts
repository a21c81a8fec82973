import { sql, type Kysely, type RawBuilder } from "kysely";
import { AppError } from "../../../platform/errors/app-error";
import { invalidInput } from "../../../platform/errors/normalize";
import type { EvalContext } from "../expr/evaluate";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import { viewOptionsSchema, type Field, type ViewOptions } from "../schema";
import type { Actor, RecordData } from "../types";
import { where, type Access } from "./access";
import { parseExpand, parseFields, type ExpandTree } from "./query";
import { project, type Rows } from "./rows";

type Sql = RawBuilder<unknown>;
type Executor = Kysely<unknown>;

const ID_CHUNK = 500;

/** Related records under `expand`, and a record presented as a view asks (`fields`, `expand`). */
export function createExpander(deps: { db: Executor; rows: Rows; access: Access }) {
  const { db, rows, access } = deps;

  /** Attaches related records under `expand`, each level in one query per relation, filtered by the target's view rule. */
  async function expandRecords(
    executor: Executor,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    records: RecordData[],
    tree: ExpandTree,
    actor: Actor,
    ctx: EvalContext,
  ) {
    for (const [name, subtree] of Object.entries(tree)) {
      const field = c.index.fields.get(name) as Extract<Field, { type: "relation" }>;
      const target = rt.collection(field.collection);
      const ids = new Set<string>();
      for (const r of records) {
        const v = r[name];
        if (Array.isArray(v)) for (const id of v) ids.add(id as string);
        else if (typeof v === "string" && v) ids.add(v);
      }
      if (ids.size === 0) continue;
      let rule: Sql | boolean;
      try {
        rule = access.ruleCondition(rt, target, "view", actor, ctx, "t", "e_");
      } catch (err) {
        if (err instanceof AppError && err.code === "access_denied") continue;
        throw err;
      }
      if (rule === false) continue;
      const found = new Map<string, RecordData>();
      const list = [...ids];
      for (let i = 0; i < list.length; i += ID_CHUNK) {
        const chunk = list.slice(i, i + ID_CHUNK);
        const w = where([sql`${sql.id("t", "id")} in (${sql.join(chunk)})`, rule]);
        if (w === false) break;
        const res = await sql<
          Record<string, unknown>
        >`select ${rows.selectList(rt, target, "t")} from ${rt.names.table(target.name)} as ${sql.id("t")} ${w}`.execute(executor);
        for (const row of res.rows) {
          const rec = rows.decode(target, row);
          found.set(rec.id, rec);
        }
      }
      if (Object.keys(subtree).length) await expandRecords(executor, rt, target, [...found.values()], subtree, actor, ctx);
      for (const r of records) {
        const v = r[name];
        const expanded = Array.isArray(v)
          ? v.map((id) => found.get(id as string)).filter(Boolean)
          : typeof v === "string"
            ? found.get(v)
            : undefined;
        if (expanded === undefined || (Array.isArray(expanded) && expanded.length === 0 && !Array.isArray(v))) continue;
        r.expand ??= {};
        r.expand[name] = expanded;
      }
    }
  }

  /** A record as a get or a write returns it: with the expansions and only the fields `options` ask for. */
  async function present(
    rt: ProjectRuntime,
    c: CollectionRuntime,
    record: RecordData,
    options: ViewOptions | undefined,
    actor: Actor,
  ): Promise<RecordData> {
    if (!options) return record;
    const parsed = viewOptionsSchema.safeParse(options);
    if (!parsed.success) throw invalidInput(parsed.error);
    const fields = parseFields(c, parsed.data.fields);
    const tree = parseExpand(rt, c, parsed.data.expand);
    if (Object.keys(tree).length) await expandRecords(db, rt, c, [record], tree, actor, access.context(actor));
    return project(record, fields && Object.keys(tree).length ? new Set([...fields, "expand"]) : fields);
  }

  return { expandRecords, present };
}

export type Expander = ReturnType<typeof createExpander>;
