import crypto from "node:crypto";
import { z } from "zod";
import { fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("uuid"),
  /** A UUID, or `"random"` for a fresh v4 UUID per record. */
  default: z.union([z.uuid(), z.literal("random")]).optional(),
});

export type UuidField = NormalizedField<z.output<typeof definition>>;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID, in the API in lowercase (`uuid`; text on SQLite); `default: random` is a fresh v4 per record. */
export const uuid: FieldKind<UuidField, typeof definition> = defineFieldKind<UuidField, typeof definition>({
  type: "uuid",
  definition,
  computedDefaults: { random: () => crypto.randomUUID() },
  storage: () => "uuid",
  coerce: (_field, value) => (typeof value === "string" && UUID.test(value) ? ok(value.toLowerCase()) : bad("invalid_uuid")),
  cursorFits: (_field, value) => typeof value === "string" && LOWER_UUID.test(value),
  valueType: () => "uuid",
  jsonSchema: (field) => ({ type: "string", format: "uuid", ...(field.description ? { description: field.description } : {}) }),
  typescript: () => "string",
});
