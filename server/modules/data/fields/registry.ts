import type { z } from "zod";
import { autodate } from "./autodate";
import { boolean } from "./boolean";
import { date } from "./date";
import { datetime } from "./datetime";
import { decimal } from "./decimal";
import { email } from "./email";
import type { FieldKind } from "./field-kind";
import { integer } from "./integer";
import { json } from "./json";
import { number } from "./number";
import { relation } from "./relation";
import { select } from "./select";
import { text } from "./text";
import { url } from "./url";
import { uuid } from "./uuid";

/**
 * Every field type, by its `type` in the model document: adding a type is its file in `fields/`
 * and one line here (README "Field types"). The order is the order types are listed in.
 */
export const FIELD_KINDS = {
  text,
  email,
  url,
  integer,
  number,
  decimal,
  boolean,
  json,
  datetime,
  date,
  uuid,
  select,
  relation,
  autodate,
} as const;

type Kinds = typeof FIELD_KINDS;
export type FieldType = keyof Kinds;

/** A normalized field of any type: the union of every type's own field shape. */
export type Field = { [T in FieldType]: Kinds[T] extends FieldKind<infer F, any> ? F : never }[FieldType];
export type FieldOf<T extends FieldType> = Extract<Field, { type: T }>;

/** The zod schema of each type's definition, as one tuple (for `z.discriminatedUnion`). */
type Definition = { [T in FieldType]: Kinds[T]["definition"] }[FieldType];
export const FIELD_DEFINITIONS = Object.values(FIELD_KINDS).map((k) => k.definition) as unknown as [Definition, ...Definition[]];
export type FieldDefinitionSchema = Definition;
export type FieldDefinitionOutput = z.output<Definition>;

export const FIELD_TYPES = Object.keys(FIELD_KINDS) as FieldType[];

/** The type of a field (its definition decides which). */
export function fieldKind<F extends Field>(field: F): FieldKind<F> {
  return FIELD_KINDS[field.type as FieldType] as unknown as FieldKind<F>;
}
