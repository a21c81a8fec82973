import { sql, type CompiledQuery, type Kysely, type RawBuilder } from "kysely";
import { assertSafeIdentifier } from "../../../platform/db/dialect";
import { AppError } from "../../../platform/errors/app-error";
import type { Collection, Field, ModelDocument } from "../schema";
import { columnType, conversion, storageClass } from "../storage/column-types";
import { foreignKeyName, indexLocalName, junctionTable, rebuildTable, retainedTable, type ProjectNamespace } from "../storage/namespace";
import { fieldKind } from "../fields/registry";
import { hasColumn, isRelation, isToManyRelation, isToOneRelation } from "./normalize";
import { toDb, defaultValue } from "../records/codec";

type Sql = RawBuilder<unknown>;

/** One statement of a migration, as previewed and as executed. */
export interface PlanStep {
  action: string;
  description: string;
  collection?: string;
  field?: string;
  sql: string;
  parameters: readonly unknown[];
}

export interface PlanWarning {
  code:
    | "data_retained"
    | "data_restored"
    | "conversion_may_lose_data"
    | "table_rewrite"
    | "constraints_not_rechecked"
    | "unique_on_existing_data"
    | "options_removed";
  collection: string;
  field?: string;
  rows?: number;
}

/** Data a drop kept, until purged; a later change that brings the same collection or field back restores it. */
export interface RetainedEntry {
  id: string;
  kind: "field" | "collection";
  collectionId: string;
  collectionName: string;
  fieldId: string | null;
  fieldName: string | null;
  /** The field or collection definition at the time of the drop. */
  definition: Field | Collection;
  /** Local table names: the shadow of the rows (`main`) and of to-many links per field id. */
  tables: { main?: string; junctions: Record<string, string> };
  rows: number;
  version: number;
}

export interface PlanFacts {
  /** Rows of a collection of the current model. */
  rowCount(collection: Collection): Promise<number>;
  /** Rows of a collection of the current model where the field is null. */
  nullCount(collection: Collection, field: Field): Promise<number>;
  /** Retained data not yet purged. */
  retained: readonly RetainedEntry[];
  /** Makes ids for new retained entries. */
  newId(): string;
  /** The time defaults like "now" resolve to. */
  now: number;
}

export interface MigrationPlan {
  steps: PlanStep[];
  /** The executable form of each step (same order). */
  queries: CompiledQuery[];
  warnings: PlanWarning[];
  /** Retained entries this plan creates (to record once it has run). */
  retain: Omit<RetainedEntry, "version">[];
  /** Retained entries this plan consumes (their shadow tables are dropped by the plan). */
  restored: string[];
}

/**
 * Plans the change from one model to another as ordered SQL steps for the namespace's dialect:
 * drops (keeping the data in retained tables) → renames → new tables (restoring retained data) →
 * column changes (PostgreSQL ALTERs; SQLite table rebuilds where it cannot ALTER) → foreign keys →
 * junction tables → indexes. `db` is only used to compile the statements.
 */
export async function planMigration(
  db: Kysely<unknown>,
  ns: ProjectNamespace,
  from: ModelDocument,
  to: ModelDocument,
  facts: PlanFacts,
): Promise<MigrationPlan> {
  return new Planner(db, ns, from, to, facts).plan();
}

interface IndexSpec {
  local: string;
  fields: string[];
  unique: boolean;
}

const ON_DELETE_SQL = { cascade: sql`cascade`, "set null": sql`set null`, restrict: sql`restrict` } as const;

function id(name: string): Sql {
  return sql.id(assertSafeIdentifier(name, "identifier"));
}

function isSqlite(ns: ProjectNamespace) {
  return ns.kind === "sqlite";
}

class Planner {
  private readonly steps: PlanStep[] = [];
  private readonly queries: CompiledQuery[] = [];
  private readonly warnings: PlanWarning[] = [];
  private readonly retain: Omit<RetainedEntry, "version">[] = [];
  private readonly restored: string[] = [];
  private readonly pendingForeignKeys: Array<{ collection: Collection; field: Extract<Field, { type: "relation" }> }> = [];
  private readonly pendingJunctions: Array<{ collection: Collection; field: Extract<Field, { type: "relation" }>; restoreFrom?: string }> =
    [];
  private readonly danglingChecks: Array<{ collection: Collection; field: Extract<Field, { type: "relation" }> }> = [];
  private readonly shadowDrops: string[] = [];
  /** Collections whose table is rebuilt (SQLite): their indexes are all created afresh. */
  private readonly rebuilt = new Set<string>();
  private readonly fromById: Map<string, Collection>;
  private readonly toById: Map<string, Collection>;
  private readonly toByName: Map<string, Collection>;

  constructor(
    private readonly db: Kysely<unknown>,
    private readonly ns: ProjectNamespace,
    private readonly from: ModelDocument,
    private readonly to: ModelDocument,
    private readonly facts: PlanFacts,
  ) {
    this.fromById = new Map(from.collections.map((c) => [c.id, c]));
    this.toById = new Map(to.collections.map((c) => [c.id, c]));
    this.toByName = new Map(to.collections.map((c) => [c.name, c]));
  }

  private emit(action: string, description: string, query: Sql, meta: { collection?: string; field?: string } = {}) {
    const compiled = query.compile(this.db);
    this.queries.push(compiled);
    this.steps.push({ action, description, ...meta, sql: compiled.sql, parameters: compiled.parameters });
  }

  async plan(): Promise<MigrationPlan> {
    const kept = this.to.collections.filter((c) => this.fromById.has(c.id)).map((c) => ({ old: this.fromById.get(c.id)!, neu: c }));
    const added = this.to.collections.filter((c) => !this.fromById.has(c.id));
    const dropped = this.from.collections.filter((c) => !this.toById.has(c.id));

    for (const { old, neu } of kept) this.checkSupported(old, neu);

    // 1. Drops, keeping data.
    for (const { old, neu } of kept) {
      const newIndexes = new Set(indexesOf(neu).map((i) => i.local));
      for (const idx of indexesOf(old))
        if (!newIndexes.has(idx.local))
          this.emit("drop_index", `drop index on ${old.name} (${idx.fields.join(", ")})`, sql`drop index ${this.ns.index(idx.local)}`, {
            collection: old.name,
          });
    }
    const droppedRelationColumns = new Set<string>();
    for (const { old, neu } of kept) {
      const newIds = new Set(neu.fields.map((f) => f.id));
      for (const f of old.fields) {
        if (newIds.has(f.id)) continue;
        await this.retainField(old, f);
        if (isToOneRelation(f)) droppedRelationColumns.add(old.id);
      }
    }
    for (const c of dropped) await this.retainCollection(c);

    // 2. Renames.
    this.renameCollections(kept);
    for (const { old, neu } of kept) this.renameFields(old, neu);

    // 3. New tables.
    for (const c of added) await this.createCollection(c);

    // 4. Column changes of kept collections.
    for (const { old, neu } of kept) await this.alterCollection(old, neu, droppedRelationColumns.has(old.id));

    // 5. Restored relation values whose target is gone become null; then foreign keys (PostgreSQL).
    for (const { collection, field } of this.danglingChecks) {
      const t = this.ns.table(collection.name);
      this.emit(
        "clear_dangling",
        `clear ${collection.name}.${field.name} where the related record is gone`,
        sql`update ${t} set ${id(field.name)} = null where ${id(field.name)} is not null and not exists (select 1 from ${this.ns.table(field.collection)} as ${sql.id("r")} where ${sql.id("r", "id")} = ${t}.${id(field.name)})`,
        { collection: collection.name, field: field.name },
      );
    }
    for (const { collection, field } of this.pendingForeignKeys) {
      this.emit(
        "add_foreign_key",
        `${collection.name}.${field.name} references ${field.collection} (on delete ${field.onDelete})`,
        sql`alter table ${this.ns.table(collection.name)} add constraint ${id(foreignKeyName(field.id))} foreign key (${id(field.name)}) references ${this.ns.table(field.collection)} (${sql.id("id")}) on delete ${ON_DELETE_SQL[field.onDelete]}`,
        { collection: collection.name, field: field.name },
      );
    }

    // 6. Junction tables of to-many relations.
    for (const j of this.pendingJunctions) this.createJunction(j.collection, j.field, j.restoreFrom);

    // 7. Indexes.
    for (const c of this.to.collections) {
      const old = this.fromById.get(c.id);
      const existing = old && !this.rebuilt.has(c.id) ? new Set(indexesOf(old).map((i) => i.local)) : new Set<string>();
      const rows = old ? await this.facts.rowCount(old) : 0;
      for (const idx of indexesOf(c)) {
        if (existing.has(idx.local)) continue;
        if (idx.unique && rows > 0 && old && !this.rebuilt.has(c.id))
          this.warnings.push({ code: "unique_on_existing_data", collection: c.name, field: idx.fields.join(","), rows });
        // Lists put nulls first ascending and last descending on both databases; a PostgreSQL index
        // on a nullable column only serves those orders (either direction) when it keeps nulls first.
        const nullable = new Set(c.fields.filter((f) => f.nullable).map((f) => f.name));
        const cols = sql.join(idx.fields.map((f) => (this.ns.kind === "postgres" && nullable.has(f) ? sql`${id(f)} nulls first` : id(f))));
        this.emit(
          "create_index",
          `${idx.unique ? "unique " : ""}index on ${c.name} (${idx.fields.join(", ")})`,
          idx.unique
            ? sql`create unique index ${this.ns.indexName(idx.local)} on ${this.ns.table(c.name)} (${cols})`
            : sql`create index ${this.ns.indexName(idx.local)} on ${this.ns.table(c.name)} (${cols})`,
          { collection: c.name },
        );
      }
    }

    // 8. Retained tables whose data came back.
    for (const local of this.shadowDrops)
      this.emit("drop_retained", `drop the retained copy ${local}`, sql`drop table ${this.ns.table(local)}`);

    return { steps: this.steps, queries: this.queries, warnings: this.warnings, retain: this.retain, restored: this.restored };
  }

  private checkSupported(old: Collection, neu: Collection) {
    const oldFields = new Map(old.fields.map((f) => [f.id, f]));
    for (const f of neu.fields) {
      const o = oldFields.get(f.id);
      if (!o) continue;
      if (isRelation(o) !== isRelation(f)) {
        throw new AppError("unsupported_type_change", 400, { collection: neu.name, field: f.name, from: o.type, to: f.type });
      }
      if (isRelation(o) && isRelation(f)) {
        const oldTarget = this.fromById.get(this.collectionIdByName(this.from, o.collection) ?? "")?.id;
        const newTarget = this.toByName.get(f.collection)?.id;
        if (oldTarget !== newTarget)
          throw new AppError("unsupported_change", 400, { collection: neu.name, field: f.name, change: "relation_target" });
        if (o.multiple !== f.multiple)
          throw new AppError("unsupported_change", 400, { collection: neu.name, field: f.name, change: "relation_cardinality" });
        continue;
      }
      if (retyped(o, f)) {
        if (!conversion(this.ns.kind, o, f, sql`x`))
          throw new AppError("unsupported_type_change", 400, {
            collection: neu.name,
            field: f.name,
            from: describeType(o),
            to: describeType(f),
          });
      }
    }
  }

  private collectionIdByName(model: ModelDocument, name: string): string | undefined {
    return model.collections.find((c) => c.name === name)?.id;
  }

  // ── drops ──

  private async retainField(c: Collection, f: Field) {
    const retainedId = this.facts.newId();
    const shadow = retainedTable(retainedId);
    const rows = await this.facts.rowCount(c);
    if (isToManyRelation(f)) {
      this.emit(
        "retain_links",
        `keep the links of ${c.name}.${f.name}`,
        sql`create table ${this.ns.table(shadow)} as select * from ${this.ns.table(junctionTable(f))}`,
        { collection: c.name, field: f.name },
      );
      this.emit("drop_junction", `drop the links table of ${c.name}.${f.name}`, sql`drop table ${this.ns.table(junctionTable(f))}`, {
        collection: c.name,
        field: f.name,
      });
      this.retain.push({
        id: retainedId,
        kind: "field",
        collectionId: c.id,
        collectionName: c.name,
        fieldId: f.id,
        fieldName: f.name,
        definition: f,
        tables: { junctions: { [f.id]: shadow } },
        rows,
      });
    } else {
      this.emit(
        "retain_field",
        `keep the values of ${c.name}.${f.name}`,
        sql`create table ${this.ns.table(shadow)} as select ${sql.id("id")}, ${id(f.name)} as ${sql.id("value")} from ${this.ns.table(c.name)}`,
        { collection: c.name, field: f.name },
      );
      this.retain.push({
        id: retainedId,
        kind: "field",
        collectionId: c.id,
        collectionName: c.name,
        fieldId: f.id,
        fieldName: f.name,
        definition: f,
        tables: { main: shadow, junctions: {} },
        rows,
      });
      // SQLite cannot drop a column with a foreign key: the table is rebuilt without it later.
      if (!(isSqlite(this.ns) && isRelation(f))) {
        this.emit("drop_column", `drop ${c.name}.${f.name}`, sql`alter table ${this.ns.table(c.name)} drop column ${id(f.name)}`, {
          collection: c.name,
          field: f.name,
        });
      }
    }
    this.warnings.push({ code: "data_retained", collection: c.name, field: f.name, rows });
  }

  private async retainCollection(c: Collection) {
    const rows = await this.facts.rowCount(c);
    const retainedId = this.facts.newId();
    const junctions: Record<string, string> = {};
    for (const f of c.fields) {
      if (!isToManyRelation(f)) continue;
      const shadow = retainedTable(this.facts.newId());
      junctions[f.id] = shadow;
      this.emit(
        "retain_links",
        `keep the links of ${c.name}.${f.name}`,
        sql`create table ${this.ns.table(shadow)} as select * from ${this.ns.table(junctionTable(f))}`,
        { collection: c.name, field: f.name },
      );
      this.emit("drop_junction", `drop the links table of ${c.name}.${f.name}`, sql`drop table ${this.ns.table(junctionTable(f))}`, {
        collection: c.name,
        field: f.name,
      });
    }
    const shadow = retainedTable(retainedId);
    this.emit(
      "retain_collection",
      `keep the records of ${c.name}`,
      sql`create table ${this.ns.table(shadow)} as select * from ${this.ns.table(c.name)}`,
      { collection: c.name },
    );
    this.emit(
      "drop_table",
      `drop ${c.name}`,
      isSqlite(this.ns) ? sql`drop table ${this.ns.table(c.name)}` : sql`drop table ${this.ns.table(c.name)} cascade`,
      { collection: c.name },
    );
    this.retain.push({
      id: retainedId,
      kind: "collection",
      collectionId: c.id,
      collectionName: c.name,
      fieldId: null,
      fieldName: null,
      definition: c,
      tables: { main: shadow, junctions },
      rows,
    });
    this.warnings.push({ code: "data_retained", collection: c.name, rows });
  }

  // ── renames ──

  private renameCollections(kept: Array<{ old: Collection; neu: Collection }>) {
    const renames = kept.filter(({ old, neu }) => old.name !== neu.name);
    if (renames.length === 0) return;
    const oldNames = new Set(kept.map(({ old }) => old.name));
    const clash = renames.some(({ neu }) => oldNames.has(neu.name));
    if (clash) {
      for (const { old, neu } of renames)
        this.emit(
          "rename_table",
          `rename ${old.name} (step 1 of 2)`,
          sql`alter table ${this.ns.table(old.name)} rename to ${this.localTableName(rebuildTable(neu.id))}`,
          { collection: old.name },
        );
      for (const { neu } of renames)
        this.emit(
          "rename_table",
          `rename to ${neu.name}`,
          sql`alter table ${this.ns.table(rebuildTable(neu.id))} rename to ${this.localTableName(neu.name)}`,
          { collection: neu.name },
        );
    } else {
      for (const { old, neu } of renames)
        this.emit(
          "rename_table",
          `rename ${old.name} to ${neu.name}`,
          sql`alter table ${this.ns.table(old.name)} rename to ${this.localTableName(neu.name)}`,
          { collection: neu.name },
        );
    }
  }

  /** `alter table … rename to` takes an unqualified name. */
  private localTableName(local: string): Sql {
    return sql.id(this.ns.physicalTable(local));
  }

  private renameFields(old: Collection, neu: Collection) {
    const oldById = new Map(old.fields.map((f) => [f.id, f]));
    const renames = neu.fields
      .filter((f) => hasColumn(f) && oldById.has(f.id) && oldById.get(f.id)!.name !== f.name)
      .map((f) => ({ from: oldById.get(f.id)!, to: f }));
    if (renames.length === 0) return;
    const table = this.ns.table(neu.name);
    const current = new Set(old.fields.filter((f) => neu.fields.some((n) => n.id === f.id)).map((f) => f.name));
    const clash = renames.some(({ to }) => current.has(to.name));
    if (clash) {
      for (const { from, to } of renames)
        this.emit(
          "rename_column",
          `rename ${neu.name}.${from.name} (step 1 of 2)`,
          sql`alter table ${table} rename column ${id(from.name)} to ${id(`_tmp_${to.id}`)}`,
          { collection: neu.name },
        );
      for (const { to } of renames)
        this.emit(
          "rename_column",
          `rename to ${neu.name}.${to.name}`,
          sql`alter table ${table} rename column ${id(`_tmp_${to.id}`)} to ${id(to.name)}`,
          { collection: neu.name, field: to.name },
        );
    } else {
      for (const { from, to } of renames)
        this.emit(
          "rename_column",
          `rename ${neu.name}.${from.name} to ${to.name}`,
          sql`alter table ${table} rename column ${id(from.name)} to ${id(to.name)}`,
          { collection: neu.name, field: to.name },
        );
    }
  }

  // ── creates ──

  private columnDef(c: Collection, f: Field, inlineForeignKey: boolean, allowNull = false): Sql {
    const type = columnType(this.ns.kind, storageClass(f));
    const notNull = f.nullable || allowNull ? sql`` : sql` not null`;
    if (inlineForeignKey && isToOneRelation(f)) {
      return sql`${id(f.name)} ${type}${notNull} constraint ${id(foreignKeyName(f.id))} references ${this.ns.table(f.collection)} (${sql.id("id")}) on delete ${ON_DELETE_SQL[f.onDelete]}`;
    }
    return sql`${id(f.name)} ${type}${notNull}`;
  }

  private createTableSql(c: Collection, local: string, inlineForeignKeys: boolean): Sql {
    const ts = columnType(this.ns.kind, "timestamp");
    const cols = [
      sql`${sql.id("id")} text primary key`,
      sql`${sql.id("created")} ${ts} not null`,
      sql`${sql.id("updated")} ${ts} not null`,
      ...c.fields.filter(hasColumn).map((f) => this.columnDef(c, f, inlineForeignKeys)),
    ];
    return sql`create table ${this.ns.table(local)} (${sql.join(cols)})`;
  }

  private async createCollection(c: Collection) {
    const sqlite = isSqlite(this.ns);
    this.emit("create_table", `create ${c.name}`, this.createTableSql(c, c.name, sqlite), { collection: c.name });
    const restore = this.facts.retained.find((r) => r.kind === "collection" && r.collectionId === c.id);
    if (restore) {
      const before = restore.definition as Collection;
      const oldById = new Map(before.fields.map((f) => [f.id, f]));
      const targets = [sql.id("id"), sql.id("created"), sql.id("updated")];
      const values = [sql.id("id"), sql.id("created"), sql.id("updated")];
      for (const f of c.fields.filter(hasColumn)) {
        const o = oldById.get(f.id);
        targets.push(id(f.name));
        let value: Sql = sql`null`;
        if (o && hasColumn(o)) value = conversion(this.ns.kind, o, f, id(o.name))?.expr ?? sql`null`;
        const fallback = this.defaultParam(f);
        if (fallback !== undefined) value = sql`coalesce(${value}, ${fallback})`;
        else if (!f.nullable && !(o && hasColumn(o)))
          throw new AppError("backfill_required", 422, { collection: c.name, field: f.name, rows: restore.rows });
        values.push(value);
      }
      this.emit(
        "restore_records",
        `bring back the records of ${c.name}`,
        sql`insert into ${this.ns.table(c.name)} (${sql.join(targets)}) select ${sql.join(values)} from ${this.ns.table(restore.tables.main!)}`,
        { collection: c.name },
      );
      this.restored.push(restore.id);
      this.shadowDrops.push(restore.tables.main!);
      this.warnings.push({ code: "data_restored", collection: c.name, rows: restore.rows });
      for (const f of c.fields) {
        if (!isRelation(f)) continue;
        if (!f.multiple && oldById.has(f.id)) this.danglingChecks.push({ collection: c, field: f });
      }
    }
    for (const f of c.fields) {
      if (!isRelation(f)) continue;
      if (f.multiple) {
        const shadow = restore?.tables.junctions[f.id];
        if (shadow) this.shadowDrops.push(shadow);
        this.pendingJunctions.push({ collection: c, field: f, ...(shadow ? { restoreFrom: shadow } : {}) });
      } else if (!sqlite) this.pendingForeignKeys.push({ collection: c, field: f });
    }
  }

  /** A field's default as a bound value, or undefined when it has none. */
  private defaultParam(f: Field): Sql | undefined {
    const d = defaultValue(f, this.facts.now);
    if (d === undefined || d === null) return undefined;
    return sql`${toDb(f, d)}`;
  }

  // ── alters ──

  private async alterCollection(old: Collection, neu: Collection, forceRebuild: boolean) {
    const oldById = new Map(old.fields.map((f) => [f.id, f]));
    const added = neu.fields.filter((f) => !oldById.has(f.id));
    const changed = neu.fields.filter((f) => {
      const o = oldById.get(f.id);
      return (
        o && hasColumn(f) && (retyped(o, f) || o.nullable !== f.nullable || (isRelation(o) && isRelation(f) && o.onDelete !== f.onDelete))
      );
    });
    const rows = await this.facts.rowCount(old);
    this.noteConstraintChanges(old, neu, rows);
    const restoreOf = (f: Field) =>
      this.facts.retained.find(
        (r) =>
          r.kind === "field" &&
          r.collectionId === neu.id &&
          r.fieldId === f.id &&
          (r.definition as Field).type !== undefined &&
          storageClass(r.definition as Field) === storageClass(f),
      );

    // To-many relations added or changed: junction tables.
    for (const f of neu.fields) {
      if (!isToManyRelation(f)) continue;
      const o = oldById.get(f.id);
      if (!o) {
        const r = restoreOf(f);
        const shadow = r?.tables.junctions[f.id];
        if (r && shadow) {
          this.restored.push(r.id);
          this.shadowDrops.push(shadow);
          this.warnings.push({ code: "data_restored", collection: neu.name, field: f.name, rows: r.rows });
        }
        this.pendingJunctions.push({ collection: neu, field: f, ...(shadow ? { restoreFrom: shadow } : {}) });
      } else if (isRelation(o) && o.onDelete !== f.onDelete) {
        this.recreateJunction(neu, f);
      }
    }

    const columnAdds = added.filter(hasColumn);
    for (const f of columnAdds) {
      if (!f.nullable && rows > 0 && this.defaultParam(f) === undefined && !restoreOf(f))
        throw new AppError("backfill_required", 422, { collection: neu.name, field: f.name, rows });
    }
    for (const f of changed) {
      const o = oldById.get(f.id)!;
      if (o.nullable && !f.nullable && rows > 0 && this.defaultParam(f) === undefined) {
        const nulls = await this.facts.nullCount(old, o);
        if (nulls > 0) throw new AppError("backfill_required", 422, { collection: neu.name, field: f.name, rows: nulls });
      }
      if (retyped(o, f)) {
        const conv = conversion(this.ns.kind, o, f, id(f.name))!;
        if (conv.lossy) this.warnings.push({ code: "conversion_may_lose_data", collection: neu.name, field: f.name, rows });
      }
    }

    const sqlite = isSqlite(this.ns);
    const needsRebuild = sqlite && (forceRebuild || changed.length > 0 || columnAdds.some((f) => !f.nullable));
    if (needsRebuild) {
      this.rebuild(old, neu, rows, restoreOf);
      return;
    }

    const table = this.ns.table(neu.name);
    for (const f of columnAdds) {
      // Added nullable; filled; then NOT NULL (existing rows would break it otherwise).
      this.emit("add_column", `add ${neu.name}.${f.name}`, sql`alter table ${table} add column ${this.columnDef(neu, f, sqlite, true)}`, {
        collection: neu.name,
        field: f.name,
      });
      const r = restoreOf(f);
      if (r?.tables.main) {
        const old = r.definition as Field;
        const value =
          conversion(this.ns.kind, { ...old, name: "value" } as Field, f, sql`${sql.id("s", "value")}`)?.expr ??
          sql`${sql.id("s", "value")}`;
        this.emit(
          "restore_field",
          `bring back the values of ${neu.name}.${f.name}`,
          sql`update ${table} set ${id(f.name)} = (select ${value} from ${this.ns.table(r.tables.main)} as ${sql.id("s")} where ${sql.id("s", "id")} = ${table}.${sql.id("id")})`,
          { collection: neu.name, field: f.name },
        );
        this.restored.push(r.id);
        this.shadowDrops.push(r.tables.main);
        this.warnings.push({ code: "data_restored", collection: neu.name, field: f.name, rows: r.rows });
        if (isRelation(f)) this.danglingChecks.push({ collection: neu, field: f });
      }
      const fallback = this.defaultParam(f);
      if (fallback !== undefined && rows > 0)
        this.emit(
          "backfill",
          `fill ${neu.name}.${f.name} with its default`,
          sql`update ${table} set ${id(f.name)} = ${fallback} where ${id(f.name)} is null`,
          { collection: neu.name, field: f.name },
        );
      if (!f.nullable)
        this.emit(
          "set_not_null",
          `${neu.name}.${f.name} is not nullable`,
          sql`alter table ${table} alter column ${id(f.name)} set not null`,
          { collection: neu.name, field: f.name },
        );
      if (isRelation(f) && !sqlite) this.pendingForeignKeys.push({ collection: neu, field: f });
    }
    // Only PostgreSQL reaches here with changed columns.
    for (const f of changed) {
      const o = oldById.get(f.id)!;
      const col = id(f.name);
      const meta = { collection: neu.name, field: f.name };
      if (isRelation(o) && isRelation(f) && o.onDelete !== f.onDelete) {
        this.emit(
          "drop_foreign_key",
          `${neu.name}.${f.name}: drop the old foreign key`,
          sql`alter table ${table} drop constraint ${id(foreignKeyName(f.id))}`,
          meta,
        );
        this.pendingForeignKeys.push({ collection: neu, field: f });
      }
      const typeChange = retyped(o, f);
      if (typeChange) {
        // Values that do not convert become null, so the column may not refuse nulls while it changes.
        if (!o.nullable)
          this.emit(
            "drop_not_null",
            `${neu.name}.${f.name} accepts null while its type changes`,
            sql`alter table ${table} alter column ${col} drop not null`,
            meta,
          );
        const conv = conversion(this.ns.kind, o, f, col)!;
        this.warnings.push({ code: "table_rewrite", collection: neu.name, field: f.name, rows });
        this.emit(
          "change_type",
          `${neu.name}.${f.name}: ${describeType(o)} → ${describeType(f)}`,
          sql`alter table ${table} alter column ${col} type ${columnType(this.ns.kind, storageClass(f))} using ${conv.expr}`,
          meta,
        );
      }
      if (f.nullable) {
        if (!o.nullable && !typeChange)
          this.emit(
            "drop_not_null",
            `${neu.name}.${f.name} is nullable`,
            sql`alter table ${table} alter column ${col} drop not null`,
            meta,
          );
      } else if (o.nullable || typeChange) {
        const fallback = this.defaultParam(f);
        if (fallback !== undefined)
          this.emit(
            "backfill",
            `fill empty ${neu.name}.${f.name} with its default`,
            sql`update ${table} set ${col} = ${fallback} where ${col} is null`,
            meta,
          );
        this.emit(
          "set_not_null",
          `${neu.name}.${f.name} is not nullable`,
          sql`alter table ${table} alter column ${col} set not null`,
          meta,
        );
      }
    }
  }

  /** SQLite cannot alter a column's type, nullability or foreign key: build the new table, copy, swap. */
  private rebuild(old: Collection, neu: Collection, rows: number, restoreOf: (f: Field) => RetainedEntry | undefined) {
    const tmp = rebuildTable(neu.id);
    const oldById = new Map(old.fields.map((f) => [f.id, f]));
    this.warnings.push({ code: "table_rewrite", collection: neu.name, rows });
    this.emit("create_table", `rebuild ${neu.name}: new table`, this.createTableSql(neu, tmp, true), { collection: neu.name });
    const src = this.ns.table(neu.name);
    const targets = [sql.id("id"), sql.id("created"), sql.id("updated")];
    const values: Sql[] = [sql.id("id"), sql.id("created"), sql.id("updated")];
    for (const f of neu.fields.filter(hasColumn)) {
      const o = oldById.get(f.id);
      targets.push(id(f.name));
      let value: Sql = sql`null`;
      if (o) {
        // Kept columns were renamed already, so the old column has the new name.
        value = conversion(this.ns.kind, o, f, sql`${src}.${id(f.name)}`)!.expr;
      } else {
        const r = restoreOf(f);
        if (r?.tables.main) {
          const conv =
            conversion(this.ns.kind, { ...(r.definition as Field), name: "value" } as Field, f, sql.id("s", "value"))?.expr ??
            sql.id("s", "value");
          value = sql`(select ${conv} from ${this.ns.table(r.tables.main)} as ${sql.id("s")} where ${sql.id("s", "id")} = ${src}.${sql.id("id")})`;
          this.restored.push(r.id);
          this.shadowDrops.push(r.tables.main);
          this.warnings.push({ code: "data_restored", collection: neu.name, field: f.name, rows: r.rows });
          if (isRelation(f)) this.danglingChecks.push({ collection: neu, field: f });
        }
      }
      const fallback = this.defaultParam(f);
      if (fallback !== undefined && (!f.nullable || !o)) value = sql`coalesce(${value}, ${fallback})`;
      values.push(value);
    }
    this.emit(
      "copy_rows",
      `rebuild ${neu.name}: copy the records`,
      sql`insert into ${this.ns.table(tmp)} (${sql.join(targets)}) select ${sql.join(values)} from ${src}`,
      { collection: neu.name },
    );
    this.emit("drop_table", `rebuild ${neu.name}: drop the old table`, sql`drop table ${src}`, { collection: neu.name });
    this.emit(
      "rename_table",
      `rebuild ${neu.name}: swap in the new table`,
      sql`alter table ${this.ns.table(tmp)} rename to ${this.localTableName(neu.name)}`,
      { collection: neu.name },
    );
    this.rebuilt.add(neu.id);
  }

  private junctionSql(c: Collection, f: Extract<Field, { type: "relation" }>, local: string): Sql {
    const onDelete = f.onDelete === "restrict" ? sql`restrict` : sql`cascade`;
    return sql`create table ${this.ns.table(local)} (${sql.id("source_id")} text not null references ${this.ns.table(c.name)} (${sql.id("id")}) on delete cascade, ${sql.id("target_id")} text not null references ${this.ns.table(f.collection)} (${sql.id("id")}) on delete ${onDelete}, ${sql.id("position")} integer not null default 0, primary key (${sql.id("source_id")}, ${sql.id("target_id")}))`;
  }

  private junctionIndex(f: Field): Sql {
    return sql`create index ${this.ns.indexName(indexLocalName(f.id, ["target_id"], false))} on ${this.ns.table(junctionTable(f))} (${sql.id("target_id")})`;
  }

  private createJunction(c: Collection, f: Extract<Field, { type: "relation" }>, restoreFrom?: string) {
    const local = junctionTable(f);
    this.emit("create_junction", `create the links table of ${c.name}.${f.name}`, this.junctionSql(c, f, local), {
      collection: c.name,
      field: f.name,
    });
    this.emit("create_index", `index the links of ${c.name}.${f.name} by target`, this.junctionIndex(f), {
      collection: c.name,
      field: f.name,
    });
    if (restoreFrom) {
      const s = this.ns.table(restoreFrom);
      this.emit(
        "restore_links",
        `bring back the links of ${c.name}.${f.name}`,
        sql`insert into ${this.ns.table(local)} (${sql.id("source_id")}, ${sql.id("target_id")}, ${sql.id("position")}) select ${sql.id("s", "source_id")}, ${sql.id("s", "target_id")}, ${sql.id("s", "position")} from ${s} as ${sql.id("s")} where exists (select 1 from ${this.ns.table(c.name)} as ${sql.id("a")} where ${sql.id("a", "id")} = ${sql.id("s", "source_id")}) and exists (select 1 from ${this.ns.table(f.collection)} as ${sql.id("b")} where ${sql.id("b", "id")} = ${sql.id("s", "target_id")})`,
        { collection: c.name, field: f.name },
      );
    }
  }

  /** A to-many relation whose on-delete changed: a new links table with the new foreign key, same links. */
  private recreateJunction(c: Collection, f: Extract<Field, { type: "relation" }>) {
    const local = junctionTable(f);
    const tmp = `_tmp${local}`;
    this.emit("create_junction", `rebuild the links table of ${c.name}.${f.name}`, this.junctionSql(c, f, tmp), {
      collection: c.name,
      field: f.name,
    });
    this.emit(
      "copy_rows",
      `copy the links of ${c.name}.${f.name}`,
      sql`insert into ${this.ns.table(tmp)} select * from ${this.ns.table(local)}`,
      { collection: c.name, field: f.name },
    );
    this.emit("drop_junction", `drop the old links table of ${c.name}.${f.name}`, sql`drop table ${this.ns.table(local)}`, {
      collection: c.name,
      field: f.name,
    });
    this.emit(
      "rename_table",
      `swap in the new links table of ${c.name}.${f.name}`,
      sql`alter table ${this.ns.table(tmp)} rename to ${this.localTableName(local)}`,
      { collection: c.name, field: f.name },
    );
    this.emit("create_index", `index the links of ${c.name}.${f.name} by target`, this.junctionIndex(f), {
      collection: c.name,
      field: f.name,
    });
  }

  private noteConstraintChanges(old: Collection, neu: Collection, rows: number) {
    if (rows === 0) return;
    const oldById = new Map(old.fields.map((f) => [f.id, f]));
    for (const f of neu.fields) {
      const o = oldById.get(f.id);
      if (!o) continue;
      const before = o as unknown as Record<string, unknown>;
      const after = f as unknown as Record<string, unknown>;
      // The options that constrain values, of either type.
      const keys = new Set([...fieldKind(o).constraints, ...fieldKind(f).constraints, "required"]);
      if ([...keys].some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])) || (o.type !== f.type && !retyped(o, f))) {
        this.warnings.push({ code: "constraints_not_rechecked", collection: neu.name, field: f.name, rows });
      }
      for (const code of fieldKind(f).changeWarnings(o, f)) this.warnings.push({ code, collection: neu.name, field: f.name, rows });
    }
  }
}

/** Every index of a collection, with names that depend on ids only. */
export function indexesOf(c: Collection): IndexSpec[] {
  const byName = new Map(c.fields.map((f) => [f.name, f]));
  const fieldId = (name: string) => byName.get(name)?.id ?? name;
  const out: IndexSpec[] = [];
  for (const f of c.fields) {
    if (f.unique && hasColumn(f)) out.push({ local: indexLocalName(c.id, [f.id], true), fields: [f.name], unique: true });
  }
  for (const idx of c.indexes)
    out.push({ local: indexLocalName(c.id, idx.fields.map(fieldId), idx.unique), fields: idx.fields, unique: idx.unique });
  return out;
}

function describeType(f: Field): string {
  return "multiple" in f && f.multiple ? `${f.type} (multiple)` : f.type;
}

/** Whether a change needs the column's values converted: the storage class differs (`fields/`: a select's `multiple` changes it too). */
function retyped(o: Field, f: Field): boolean {
  return storageClass(o) !== storageClass(f);
}
