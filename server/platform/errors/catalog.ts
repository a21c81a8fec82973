import type { Locale } from "./locale";

/** Message templates per error code; `{name}` is replaced by `details.name`. */
export type ErrorMessages = Record<string, Record<Locale, string>>;

export const platformErrorMessages: ErrorMessages = {
  route_not_found: { en: "No route matches {method} {path}", "zh-CN": "没有与 {method} {path} 匹配的路由" },
  invalid_json: { en: "The request body is not valid JSON", "zh-CN": "请求体不是有效的 JSON" },
  empty_json_body: { en: "The request declares JSON but has an empty body", "zh-CN": "请求声明为 JSON，但请求体为空" },
  json_too_deep: {
    en: "The JSON body nests arrays and objects deeper than {limit} levels",
    "zh-CN": "JSON 请求体的数组和对象嵌套超过 {limit} 层",
  },
  headers_too_large: { en: "The request's headers are too large", "zh-CN": "请求头过大" },
  cors_origin_not_allowed: {
    en: "Pages of {origin} may not call this project's API; add the origin to the project's allowed origins",
    "zh-CN": "来自 {origin} 的页面不能调用此项目的 API；请把该来源加入项目允许的来源",
  },
  payload_too_large: { en: "The request body exceeds the limit of {limit} bytes", "zh-CN": "请求体超过 {limit} 字节的上限" },
  unsupported_media_type: {
    en: "Content type {contentType} is not accepted here; send application/json",
    "zh-CN": "此处不接受内容类型 {contentType}，请使用 application/json",
  },
  invalid_content_length: { en: "The Content-Length header does not match the body", "zh-CN": "Content-Length 请求头与请求体不符" },
  procedure_not_found: { en: "No console procedure is named {path}", "zh-CN": "不存在名为 {path} 的控制台过程" },
  method_not_allowed: { en: "{path} does not accept this HTTP method", "zh-CN": "{path} 不接受该 HTTP 方法" },
  bad_request: { en: "The request is malformed", "zh-CN": "请求格式错误" },
  invalid_input: { en: "The input is invalid: {summary}", "zh-CN": "输入无效：{summary}" },
  not_ready: {
    en: "apprun is starting or its database is unreachable; retry shortly",
    "zh-CN": "apprun 正在启动或数据库不可达，请稍后重试",
  },
  shutting_down: { en: "apprun is shutting down", "zh-CN": "apprun 正在关闭" },
  internal_error: {
    en: "An unexpected error occurred; quote request id {requestId} when reporting it",
    "zh-CN": "发生意外错误；报告时请提供请求 ID {requestId}",
  },
};

/**
 * The messages of every module, by code. A `{reason}` whose details also carry `reasonKey` (and
 * `reasonParams`) is rendered from the message `reason.<reasonKey>` in the same locale, so a reason
 * made in English deep inside a module (an expression's problem) reads in the caller's language; a
 * param given as `{ type }` is named by the message `type.<type>`.
 */
export function createErrorCatalog(...parts: ErrorMessages[]) {
  const messages: ErrorMessages = Object.assign({}, ...parts);
  const fill = (template: string, locale: Locale, values: Record<string, unknown>) =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) return whole;
      if (value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") {
        const type = (value as { type: string }).type;
        return messages[`type.${type}`]?.[locale] ?? type;
      }
      return String(value);
    });
  return {
    has: (code: string) => code in messages,
    /** The message for a code in a locale; unknown codes fall back to the code itself. */
    format(code: string, locale: Locale, details: Record<string, unknown> = {}): string {
      const template = messages[code]?.[locale] ?? messages[code]?.en ?? code;
      const reasonTemplate = typeof details.reasonKey === "string" ? messages[`reason.${details.reasonKey}`]?.[locale] : undefined;
      const params =
        details.reasonParams !== null && typeof details.reasonParams === "object" ? (details.reasonParams as Record<string, unknown>) : {};
      const values = reasonTemplate === undefined ? details : { ...details, reason: fill(reasonTemplate, locale, params) };
      return fill(template, locale, values);
    },
  };
}

export type ErrorCatalog = ReturnType<typeof createErrorCatalog>;
