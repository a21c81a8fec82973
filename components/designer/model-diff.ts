import type { ModelDocument } from "../../server/modules/data/schema";

export type ChangeKind = "added" | "removed" | "renamed" | "changed";

export interface ModelChange {
  kind: ChangeKind;
  /** `collection` or `collection.field`, as named after the change. */
  path: string;
  /** The old name, for renames. */
  from?: string;
  /** What else changed on a collection: fields order, indexes, rules, description. */
  parts?: string[];
}

type AnyModel =
  | Pick<ModelDocument, "collections">
  | {
      collections: Array<{
        id?: string;
        name: string;
        fields: Array<{ id?: string; name: string }>;
        indexes?: unknown;
        rules?: unknown;
        description?: unknown;
      }>;
    };

/** JSON with object keys sorted, so the order a document was written in does not count as a change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/**
 * What changed between two versions of a model, collection by collection and field by field,
 * matched by id (so a rename shows as one) and else by name: the diff the history shows.
 */
export function diffModels(before: AnyModel, after: AnyModel): ModelChange[] {
  const changes: ModelChange[] = [];
  // Both sides with ids: the id decides (a rename); otherwise the name does.
  const match = <T extends { id?: string; name: string }>(list: T[], item: T) =>
    list.find((x) => (item.id && x.id ? x.id === item.id : x.name === item.name));
  for (const c of after.collections) {
    const old = match(before.collections as typeof after.collections, c);
    if (!old) {
      changes.push({ kind: "added", path: c.name });
      continue;
    }
    if (old.name !== c.name) changes.push({ kind: "renamed", path: c.name, from: old.name });
    const parts = [
      ...(same(old.indexes, c.indexes) ? [] : ["indexes"]),
      ...(same(old.rules, c.rules) ? [] : ["rules"]),
      ...(same(old.description, c.description) ? [] : ["description"]),
    ];
    if (parts.length) changes.push({ kind: "changed", path: c.name, parts });
    for (const f of c.fields) {
      const was = match(old.fields, f);
      if (!was) changes.push({ kind: "added", path: `${c.name}.${f.name}` });
      else {
        if (was.name !== f.name) changes.push({ kind: "renamed", path: `${c.name}.${f.name}`, from: was.name });
        const { name: _a, ...restNow } = f as Record<string, unknown>;
        const { name: _b, ...restWas } = was as Record<string, unknown>;
        if (!same(restNow, restWas)) changes.push({ kind: "changed", path: `${c.name}.${f.name}` });
      }
    }
    for (const f of old.fields) if (!match(c.fields, f)) changes.push({ kind: "removed", path: `${c.name}.${f.name}` });
  }
  for (const c of before.collections)
    if (!match(after.collections as typeof before.collections, c)) changes.push({ kind: "removed", path: c.name });
  return changes;
}
