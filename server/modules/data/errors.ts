import type { ErrorMessages } from "../../platform/errors/catalog";
import { expressionReasonMessages } from "./expr/reasons";

/**
 * Messages for every code the data module throws (top-level `AppError.code`) and for the
 * per-field codes carried in `details.fields` of `validation_failed` and `details.issues` of
 * model errors. `{name}` placeholders are filled from the details of the same error or issue.
 * The REST routes also throw codes other modules define with the same meaning: not_authenticated,
 * mfa_enrollment_required, csrf_rejected (accounts), access_token_wrong_project, api_key_required
 * (auth), forbidden, project_not_found (projects), invalid_input, invalid_json (platform).
 */
export const dataErrorMessages: ErrorMessages = {
  // Expression reasons and value type names, for `{reason}` with `reasonKey` (expr/reasons.ts).
  ...expressionReasonMessages,
  // ── Top-level codes ──
  invalid_project_id: { en: "{project} is not a valid project id", "zh-CN": "{project} 不是有效的项目 ID" },
  invalid_identifier: {
    en: "{name} is not a valid {what} name: use lowercase letters, digits and underscores",
    "zh-CN": "{name} 不是有效的{what}名称：请使用小写字母、数字和下划线",
  },
  invalid_model: { en: "The data model is invalid: {summary}", "zh-CN": "数据模型无效：{summary}" },
  reserved_name: { en: "{name} is a reserved name ({path})", "zh-CN": "{name} 是保留名称（{path}）" },
  duplicate_name: { en: "{name} is used twice ({path})", "zh-CN": "{name} 重复使用（{path}）" },
  duplicate_id: { en: "The id {id} is used twice ({path})", "zh-CN": "ID {id} 重复使用（{path}）" },
  unknown_relation_target: {
    en: "Relation {path} points to {target}, which is not a collection",
    "zh-CN": "关联 {path} 指向的 {target} 不是集合",
  },
  circular_required_relation: {
    en: "Required relations form a cycle ({cycle}): no record could ever be created",
    "zh-CN": "必填关联形成循环（{cycle}）：无法创建任何记录",
  },
  unknown_index_field: {
    en: "Index {path} names {field}, which is not a field of the collection",
    "zh-CN": "索引 {path} 引用的 {field} 不是该集合的字段",
  },
  unindexable_field: { en: "{field} cannot be indexed or unique ({path})", "zh-CN": "{field} 不能建立索引或设为唯一（{path}）" },
  duplicate_index: { en: "The index on {fields} is declared twice ({path})", "zh-CN": "{fields} 上的索引重复声明（{path}）" },
  invalid_default: { en: "The default of {path} is not a valid value: {reason}", "zh-CN": "{path} 的默认值无效：{reason}" },
  default_required: {
    en: "{path} is not nullable and not required, so it needs a default",
    "zh-CN": "{path} 不可为空且非必填，因此需要默认值",
  },
  invalid_range: { en: "{path}: min is greater than max", "zh-CN": "{path}：最小值大于最大值" },
  invalid_pattern: { en: "{path}: the pattern is not a valid regular expression", "zh-CN": "{path}：模式不是有效的正则表达式" },
  invalid_on_delete: { en: "{path}: on delete “set null” needs a nullable field", "zh-CN": "{path}：删除时“置空”要求字段可为空" },
  invalid_rule: {
    en: "The {operation} rule of {collection} is invalid: {reason}",
    "zh-CN": "{collection} 的 {operation} 规则无效：{reason}",
  },
  schema_version_conflict: {
    en: "The model changed since version {expected}: it is now at version {actual}; reload and apply again",
    "zh-CN": "模型自版本 {expected} 之后已变更，当前为版本 {actual}；请重新加载后再应用",
  },
  version_not_found: { en: "Model version {version} does not exist", "zh-CN": "模型版本 {version} 不存在" },
  unsupported_type_change: {
    en: "{collection}.{field} cannot change from {from} to {to}",
    "zh-CN": "{collection}.{field} 不能从 {from} 改为 {to}",
  },
  unsupported_change: {
    en: "{collection}.{field}: a relation cannot change its target collection or between to-one and to-many; add a new field instead",
    "zh-CN": "{collection}.{field}：关联字段不能更改目标集合，也不能在对一与对多之间切换；请改为新增字段",
  },
  backfill_required: {
    en: "{collection}.{field} cannot be null, but {rows} existing records have no value and there is no default",
    "zh-CN": "{collection}.{field} 不可为空，但有 {rows} 条现有记录没有值且没有默认值",
  },
  schema_apply_failed: {
    en: "Applying the change failed at step {step} ({reason}); nothing was changed",
    "zh-CN": "应用变更在第 {step} 步失败（{reason}）；未做任何更改",
  },
  retained_not_found: { en: "No retained data has the id {id}", "zh-CN": "不存在 ID 为 {id} 的保留数据" },
  collection_not_found: { en: "There is no collection named {collection}", "zh-CN": "不存在名为 {collection} 的集合" },
  record_not_found: { en: "{collection} has no record {id}", "zh-CN": "{collection} 中不存在记录 {id}" },
  access_denied: { en: "You may not {operation} records of {collection}", "zh-CN": "你无权对 {collection} 的记录执行 {operation}" },
  validation_failed: { en: "Some fields are invalid: {summary}", "zh-CN": "部分字段无效：{summary}" },
  unknown_field: { en: "{collection} has no field {field}", "zh-CN": "{collection} 没有字段 {field}" },
  invalid_expression: { en: "The expression is invalid at {start}: {reason}", "zh-CN": "表达式在位置 {start} 无效：{reason}" },
  type_mismatch: { en: "Type mismatch at {start}: {reason}", "zh-CN": "位置 {start} 类型不匹配：{reason}" },
  unsupported_expression: {
    en: "This expression is not supported at {start}: {reason}",
    "zh-CN": "位置 {start} 的表达式不受支持：{reason}",
  },
  filter_too_long: { en: "The filter is longer than {max} bytes", "zh-CN": "筛选条件超过 {max} 字节" },
  per_page_too_large: { en: "perPage may be at most {max}", "zh-CN": "perPage 最大为 {max}" },
  expand_too_deep: { en: "{path} expands more than {max} levels deep", "zh-CN": "{path} 的展开层级超过 {max} 层" },
  not_expandable: {
    en: "{field} of {collection} is not a relation and cannot be expanded",
    "zh-CN": "{collection} 的 {field} 不是关联字段，不能展开",
  },
  not_sortable: { en: "{field} of {collection} cannot be sorted on", "zh-CN": "不能按 {collection} 的 {field} 排序" },
  invalid_cursor: { en: "The cursor is invalid or belongs to another query", "zh-CN": "游标无效或属于其他查询" },
  cursor_with_page: { en: "Use either cursor or page, not both", "zh-CN": "cursor 与 page 只能二选一" },
  batch_too_large: { en: "A batch may hold at most {max} operations", "zh-CN": "批量操作最多包含 {max} 项" },
  invalid_record_id: { en: "{id} is not a valid record id", "zh-CN": "{id} 不是有效的记录 ID" },
  model_file_unreadable: { en: "Cannot read the model file {file} ({reason})", "zh-CN": "无法读取模型文件 {file}（{reason}）" },
  relation_restricted: {
    en: "{collection} record {id} is still referenced by other records and cannot be deleted",
    "zh-CN": "{collection} 的记录 {id} 仍被其他记录引用，无法删除",
  },

  // ── Plan warnings (MigrationPlan.warnings[].code), shown before and after applying ──
  data_retained: {
    en: "{collection} {field}: the data is kept in a retained table until purged ({rows} records)",
    "zh-CN": "{collection} {field}：数据保留在保留表中，直到被清除（{rows} 条记录）",
  },
  data_restored: {
    en: "{collection} {field}: retained data is brought back ({rows} records)",
    "zh-CN": "{collection} {field}：恢复保留的数据（{rows} 条记录）",
  },
  conversion_may_lose_data: {
    en: "{collection}.{field}: values that do not convert to the new type become empty ({rows} records)",
    "zh-CN": "{collection}.{field}：无法转换为新类型的值将被置空（{rows} 条记录）",
  },
  table_rewrite: {
    en: "{collection}: the table is rewritten ({rows} records); large tables take a while",
    "zh-CN": "{collection}：将重写该表（{rows} 条记录）；大表需要一些时间",
  },
  constraints_not_rechecked: {
    en: "{collection}.{field}: existing records are not re-validated against the new constraints",
    "zh-CN": "{collection}.{field}：现有记录不会按新约束重新校验",
  },
  unique_on_existing_data: {
    en: "{collection} ({field}): the change fails if existing records share a value",
    "zh-CN": "{collection}（{field}）：如现有记录存在重复值，变更将失败",
  },
  options_removed: {
    en: "{collection}.{field}: records may still hold options that were removed",
    "zh-CN": "{collection}.{field}：现有记录可能仍包含已删除的选项",
  },

  // ── Per-field codes (details.fields.<name>.code of validation_failed) ──
  required: { en: "This field is required", "zh-CN": "此字段为必填项" },
  null_not_allowed: { en: "This field cannot be null", "zh-CN": "此字段不能为空值" },
  invalid_type: { en: "Expected {expected}", "zh-CN": "应为 {expected}" },
  too_short: { en: "Must be at least {min} characters", "zh-CN": "至少需要 {min} 个字符" },
  too_long: { en: "Must be at most {max} characters", "zh-CN": "最多 {max} 个字符" },
  too_small: { en: "Must be at least {min}", "zh-CN": "不能小于 {min}" },
  too_large: { en: "Must be at most {max}", "zh-CN": "不能大于 {max}" },
  too_few: { en: "Choose at least {min}", "zh-CN": "至少选择 {min} 项" },
  too_many: { en: "Choose at most {max}", "zh-CN": "最多选择 {max} 项" },
  pattern_mismatch: { en: "Does not match the required pattern", "zh-CN": "不符合要求的格式" },
  invalid_email: { en: "Not a valid email address", "zh-CN": "不是有效的电子邮件地址" },
  invalid_url: { en: "Not a valid http(s) URL", "zh-CN": "不是有效的 http(s) 网址" },
  invalid_uuid: { en: "Not a valid UUID", "zh-CN": "不是有效的 UUID" },
  invalid_date: { en: "Not a valid YYYY-MM-DD date", "zh-CN": "不是有效的 YYYY-MM-DD 日期" },
  invalid_datetime: { en: "Not a valid ISO-8601 date-time", "zh-CN": "不是有效的 ISO-8601 日期时间" },
  invalid_decimal: { en: "Not a valid decimal number", "zh-CN": "不是有效的十进制数" },
  too_many_decimals: { en: "At most {scale} digits after the point", "zh-CN": "小数点后最多 {scale} 位" },
  invalid_option: { en: "{value} is not one of the allowed values", "zh-CN": "{value} 不是允许的取值" },
  invalid_relation: { en: "No record {value} in the related collection", "zh-CN": "关联集合中不存在记录 {value}" },
  not_unique: { en: "This value is already used by another record", "zh-CN": "该值已被其他记录使用" },
  json_too_large: { en: "The JSON value is larger than {max} bytes", "zh-CN": "JSON 值超过 {max} 字节" },
  invalid_character: { en: "Text cannot contain the NUL character", "zh-CN": "文本不能包含 NUL 字符" },
  read_only: { en: "This field is set by the system", "zh-CN": "此字段由系统设置" },
  unknown: { en: "The collection has no such field", "zh-CN": "集合中没有该字段" },
};
