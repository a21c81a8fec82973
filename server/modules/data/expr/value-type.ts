/** The type of a value in filters and rules: of a field (its type's `valueType`), a literal, or a context value. */
export type ValueType =
  | "string"
  | "uuid"
  | "int"
  | "double"
  | "decimal"
  | "bool"
  | "timestamp"
  | "date"
  | "json"
  | "duration"
  | "null"
  /** A multi-select: a JSON array of strings. */
  | "strings"
  /** A to-many relation: ids through the junction table. */
  | "ids"
  /** A list literal or a context list (auth.roles); see `elem`. */
  | "list";
