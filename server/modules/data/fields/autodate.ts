import { z } from "zod";
import { readTime } from "../../../platform/db/dialect";
import { fieldBase } from "./definition";
import { coerceDateTime, isApiTime } from "./datetime";
import { bad, defineFieldKind, describe, hasNul, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  id: fieldBase.id,
  name: fieldBase.name,
  description: fieldBase.description,
  type: z.literal("autodate"),
  onCreate: z.boolean().optional(),
  onUpdate: z.boolean().optional(),
  // What the stored model says of every autodate field, so a model read back applies unchanged.
  required: z.literal(false).optional(),
  nullable: z.literal(true).optional(),
  unique: z.literal(false).optional(),
});

type Definition = z.output<typeof definition>;
export type AutodateField = Omit<Definition, "onCreate" | "onUpdate"> & {
  id: string;
  onCreate: boolean;
  onUpdate: boolean;
  required: false;
  nullable: true;
  unique: false;
};

/** The time of the record's creation and/or last update, set by apprun (read-only in the API). */
export const autodate: FieldKind<AutodateField, typeof definition> = defineFieldKind<AutodateField, typeof definition>({
  type: "autodate",
  definition,
  readOnly: true,
  normalize: (definition) => ({
    ...definition,
    onCreate: definition.onCreate ?? true,
    onUpdate: definition.onUpdate ?? false,
    required: false,
    nullable: true,
    unique: false,
  }),
  storage: () => "timestamp",
  coerce: () => bad("read_only"),
  // An archive carries the times the source had.
  coerceStored: (_field, value) => (hasNul(value) ? bad("invalid_character") : coerceDateTime(value)),
  stamps: (field, operation) => (operation === "create" ? field.onCreate : field.onUpdate),
  fromDb: (_field, value) => readTime(value),
  jsonSql: (_field, column, fns) => fns.json.time(column),
  cursorFits: (_field, value) => isApiTime(value),
  valueType: () => "timestamp",
  jsonSchema: (field) => ({
    type: "string",
    format: "date-time",
    readOnly: true,
    description: describe(
      field,
      `Set by apprun${field.onCreate ? " on create" : ""}${field.onUpdate ? (field.onCreate ? " and update" : " on update") : ""}.`,
    ),
  }),
  typescript: () => "DateTimeString",
  typescriptNote: () => "Set by apprun.",
});
