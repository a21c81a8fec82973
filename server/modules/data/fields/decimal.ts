import { z } from "zod";
import { decimalString, fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("decimal"),
  min: decimalString.optional(),
  max: decimalString.optional(),
  /** Most digits after the point a value may have. */
  scale: z.number().int().min(0).max(30).optional(),
  default: decimalString.optional(),
});

export type DecimalField = NormalizedField<z.output<typeof definition>>;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DECIMAL_PATTERN = "^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)$";

/** The canonical text of a decimal: no sign for positives, no leading zeros, trailing zeros kept. */
export function canonicalDecimal(s: string): string {
  let sign = "";
  let t = s;
  if (t.startsWith("+")) t = t.slice(1);
  else if (t.startsWith("-")) {
    sign = "-";
    t = t.slice(1);
  }
  const [whole = "", frac] = t.split(".") as [string, string | undefined];
  let int = whole;
  int = int.replace(/^0+(?=\d)/, "");
  if (int === "") int = "0";
  const out = frac !== undefined && frac !== "" ? `${int}.${frac}` : int;
  return /^0(\.0*)?$/.test(out) ? out : sign + out;
}

/**
 * Exact decimals, in the API as canonical text (a JSON number would lose the scale): `numeric` on
 * PostgreSQL, the canonical text on SQLite (compared and sorted as a number there).
 */
export const decimal: FieldKind<DecimalField, typeof definition> = defineFieldKind<DecimalField, typeof definition>({
  type: "decimal",
  definition,
  constraints: ["min", "max", "scale"],
  storage: () => "decimal",
  order: { column: (column, fns) => fns.decimalValue(column), param: (value) => Number(value) },
  coerce(field, value) {
    let text: string;
    if (typeof value === "number" && Number.isFinite(value) && DECIMAL.test(String(value))) text = String(value);
    else if (typeof value === "string" && DECIMAL.test(value.trim()) && value.trim().length <= 1000) text = value.trim();
    else return bad("invalid_decimal");
    text = canonicalDecimal(text);
    const frac = text.split(".")[1] ?? "";
    if (field.scale !== undefined && frac.length > field.scale) return bad("too_many_decimals", { scale: field.scale });
    const n = Number(text);
    if (field.min !== undefined && n < Number(field.min)) return bad("too_small", { min: field.min });
    if (field.max !== undefined && n > Number(field.max)) return bad("too_large", { max: field.max });
    return ok(text);
  },
  fromDb: (_field, value) => (typeof value === "number" ? canonicalDecimal(String(value)) : String(value)),
  // numeric as the text the driver hands `fromDb` (a JSON number would lose its scale).
  jsonSql: (_field, column, fns) => fns.json.numericText(column),
  cursorFits: (_field, v) =>
    (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && /^-?\d{1,300}(\.\d{1,300})?$/.test(v)),
  valueType: () => "decimal",
  jsonSchema: (field) => ({
    type: "string",
    pattern: DECIMAL_PATTERN,
    description: [
      field.description,
      `An exact decimal as text${field.scale !== undefined ? `, at most ${field.scale} digits after the point` : ""}${field.min !== undefined ? `, at least ${field.min}` : ""}${field.max !== undefined ? `, at most ${field.max}` : ""}.`,
    ]
      .filter(Boolean)
      .join(" "),
    "x-apprun-type": "decimal",
  }),
  typescript: () => "Decimal",
  typescriptNote: (field) => `Exact decimal as text${field.scale !== undefined ? ` (scale ${field.scale})` : ""}.`,
});
