import type { Locale } from "../../../platform/errors/locale";
import type { ValueType } from "./ir";

/**
 * Why an expression is refused, in every locale: `{name}` is filled from the reason's params; a
 * param `{ type }` is a value type, named in the same locale. The English text is also the
 * issue's `reason` (logs, clients that do not localize).
 */
export const EXPRESSION_REASONS = {
  empty: { en: "the expression is empty", "zh-CN": "表达式为空" },
  syntax: { en: "{detail}", "zh-CN": "语法错误：{detail}" },
  unparsable: { en: "the expression could not be parsed", "zh-CN": "无法解析该表达式" },
  too_long: { en: "longer than {max} bytes", "zh-CN": "超过 {max} 字节" },
  not_a_condition: { en: "expected a condition, found a {found}", "zh-CN": "此处需要条件，实际是{found}" },
  only_field_paths: { en: "only field paths like a.b.c are supported here", "zh-CN": "此处只支持 a.b.c 这样的字段路径" },
  list_mixed_types: { en: "list elements must all have the same type", "zh-CN": "列表元素的类型必须一致" },
  list_of_fields: { en: "list elements must be values, not fields", "zh-CN": "列表元素必须是值，不能是字段" },
  list_of_lists: { en: "lists of lists are not supported", "zh-CN": "不支持嵌套列表" },
  fn_takes_text_value: { en: "{fn}() takes a text value", "zh-CN": "{fn}() 需要一个文本值" },
  not_iso_time: { en: "{value} is not an ISO-8601 time", "zh-CN": "{value} 不是 ISO-8601 时间" },
  not_duration: { en: '{value} is not a duration like "90m" or "1h30m"', "zh-CN": "{value} 不是 “90m” 或 “1h30m” 这样的时长" },
  fn_not_supported: { en: "the function {fn}() is not supported", "zh-CN": "不支持函数 {fn}()" },
  negation_numbers: { en: "negation works on number and duration values only", "zh-CN": "取负只能用于数字和时长值" },
  conditional_not_supported: { en: "the conditional operator ?: is not supported", "zh-CN": "不支持条件运算符 ?:" },
  map_not_supported: { en: "map literals are not supported", "zh-CN": "不支持映射字面量" },
  operator_not_supported: { en: "the operator {op} is not supported", "zh-CN": "不支持运算符 {op}" },
  auth_fields: { en: "auth has id, roles and type", "zh-CN": "auth 只有 id、roles 和 type" },
  body_only_in_writes: { en: "body is only available in create and update rules", "zh-CN": "body 只能用于创建和更新规则" },
  body_one_field: { en: "body paths name one field, like body.title", "zh-CN": "body 路径只能指定一个字段，例如 body.title" },
  unknown_time_value: { en: "@{name} is not a known time value", "zh-CN": "@{name} 不是已知的时间值" },
  no_such_field: { en: "{collection} has no field {field}", "zh-CN": "{collection} 没有字段 {field}" },
  not_a_relation: { en: "{field} is not a relation, so it has no fields", "zh-CN": "{field} 不是关联字段，没有下级字段" },
  to_many_path: {
    en: "{field} is a to-many relation: use {field}.exists(x, …)",
    "zh-CN": "{field} 是对多关联：请使用 {field}.exists(x, …)",
  },
  too_many_hops: { en: "relation paths may follow at most {max} relations", "zh-CN": "关联路径最多经过 {max} 个关联" },
  empty_path: { en: "empty path", "zh-CN": "路径为空" },
  quantifier_args: { en: "{fn}() takes a variable name and a condition", "zh-CN": "{fn}() 需要一个变量名和一个条件" },
  quantifier_on_to_many: { en: "{fn}() works on to-many relations", "zh-CN": "{fn}() 只能用于对多关联" },
  too_many_quantifiers: { en: "at most {max} nested exists()/all()", "zh-CN": "exists()/all() 最多嵌套 {max} 层" },
  method_on_text: { en: "{fn}() works on text, not on a {found}", "zh-CN": "{fn}() 只能用于文本，不能用于{found}" },
  method_one_arg: { en: "{fn}() takes one argument", "zh-CN": "{fn}() 需要一个参数" },
  method_text_arg: { en: "{fn}() takes text, not a {found}", "zh-CN": "{fn}() 的参数必须是文本，不能是{found}" },
  method_not_supported: { en: "the method {fn}() is not supported", "zh-CN": "不支持方法 {fn}()" },
  null_compare: { en: "only == and != compare with null", "zh-CN": "与 null 比较只能用 == 和 !=" },
  compare_types: { en: "cannot compare a {left} with a {right}", "zh-CN": "不能比较{left}与{right}" },
  compare_only_null: { en: "a {found} can only be compared with null; use `in`", "zh-CN": "{found}只能与 null 比较；请使用 `in`" },
  bool_order: { en: "{op} does not apply to booleans", "zh-CN": "{op} 不能用于布尔值" },
  not_uuid: { en: "{value} is not a UUID", "zh-CN": "{value} 不是 UUID" },
  in_needle: { en: "a {found} cannot be looked up in a list", "zh-CN": "不能在列表中查找{found}" },
  in_list_types: { en: "cannot look up a {found} in a list of {elem}s", "zh-CN": "不能在{elem}列表中查找{found}" },
  in_hay_type: { en: "cannot look up a {found} in a {hay}", "zh-CN": "不能在{hay}中查找{found}" },
  in_needs_list: { en: "`in` needs a list or a multi-value field", "zh-CN": "`in` 需要列表或多值字段" },
  in_needs_list_not: { en: "`in` needs a list or a multi-value field, not a {found}", "zh-CN": "`in` 需要列表或多值字段，不能是{found}" },
  arithmetic_values: {
    en: "arithmetic works on values (numbers, times, durations), not on fields",
    "zh-CN": "算术运算只能用于值（数字、时间、时长），不能用于字段",
  },
  arithmetic_types: { en: "{op} does not apply to a {left} and a {right}", "zh-CN": "{op} 不能用于{left}和{right}" },
  not_date: { en: "{value} is not a YYYY-MM-DD date", "zh-CN": "{value} 不是 YYYY-MM-DD 格式的日期" },
  int_range: { en: "the integer is out of range (±9007199254740991)", "zh-CN": "整数超出范围（±9007199254740991）" },
  number_range: { en: "the number is out of range", "zh-CN": "数字超出范围" },
  nul_char: { en: "text cannot contain the NUL character", "zh-CN": "文本不能包含 NUL 字符" },
  bytes_unsupported: { en: "bytes and unsigned literals are not supported", "zh-CN": "不支持字节和无符号字面量" },
} satisfies Record<string, Record<Locale, string>>;

export type ReasonKey = keyof typeof EXPRESSION_REASONS;

/** Value types as the reasons name them. */
const TYPE_NAMES: Record<ValueType, Record<Locale, string>> = {
  string: { en: "text", "zh-CN": "文本" },
  uuid: { en: "uuid", "zh-CN": "UUID 值" },
  int: { en: "integer", "zh-CN": "整数" },
  double: { en: "number", "zh-CN": "数字" },
  decimal: { en: "number", "zh-CN": "数字" },
  bool: { en: "boolean", "zh-CN": "布尔值" },
  timestamp: { en: "date-time", "zh-CN": "日期时间" },
  date: { en: "date", "zh-CN": "日期" },
  json: { en: "json", "zh-CN": "JSON 值" },
  duration: { en: "duration", "zh-CN": "时长" },
  null: { en: "null", "zh-CN": "空值 null" },
  strings: { en: "multi-select", "zh-CN": "多选值" },
  ids: { en: "to-many relation", "zh-CN": "对多关联" },
  list: { en: "list", "zh-CN": "列表" },
};

export type ReasonParams = Record<string, string | number | { type: ValueType }>;

export interface Reason {
  key: ReasonKey;
  params?: ReasonParams;
}

export function reason(key: ReasonKey, params?: ReasonParams): Reason {
  return params ? { key, params } : { key };
}

/** The reasons and type names as error catalog messages (`reason.<key>`, `type.<type>`; see platform/errors/catalog.ts). */
export const expressionReasonMessages: Record<string, Record<Locale, string>> = {
  ...Object.fromEntries(Object.entries(EXPRESSION_REASONS).map(([key, text]) => [`reason.${key}`, text])),
  ...Object.fromEntries(Object.entries(TYPE_NAMES).map(([key, text]) => [`type.${key}`, text])),
};

/** A reason's text in a locale. */
export function formatReason(key: string, params: ReasonParams | undefined, locale: Locale): string {
  const templates = (EXPRESSION_REASONS as Record<string, Record<Locale, string>>)[key];
  if (!templates) return key;
  return templates[locale].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params?.[name];
    if (value === undefined) return whole;
    return typeof value === "object" ? (TYPE_NAMES[value.type]?.[locale] ?? value.type) : String(value);
  });
}
