import type { ErrorMessages } from "../errors/catalog";

/**
 * Messages of every error code the bus throws (as `AppError`), in English and Simplified Chinese.
 * The composition root adds them to the error catalog next to the platform's.
 */
export const busErrorMessages: ErrorMessages = {
  bus_invalid_subject: {
    en: "{subject} is not a valid subject: dot-separated tokens of letters, digits, _ and -, at most 256 characters",
    "zh-CN": "{subject} 不是有效的主题：应为以点分隔的字母、数字、_ 和 - 组成的片段，最多 256 个字符",
  },
  bus_invalid_pattern: {
    en: "{pattern} is not a valid subscription pattern: tokens, * for one token, > only at the end",
    "zh-CN": "{pattern} 不是有效的订阅模式：由片段组成，* 匹配一个片段，> 只能位于末尾",
  },
  bus_invalid_name: {
    en: "{name} is not a valid {what} name: 1–64 letters, digits, _ or -",
    "zh-CN": "{name} 不是有效的{what}名称：应为 1–64 个字母、数字、_ 或 -",
  },
  bus_invalid_config: { en: "The bus settings are invalid: {summary}", "zh-CN": "消息总线设置无效：{summary}" },
  bus_invalid_event: { en: "The event is not a valid CloudEvent: {summary}", "zh-CN": "该事件不是有效的 CloudEvent：{summary}" },
  bus_payload_not_json: { en: "The message payload cannot be encoded as JSON", "zh-CN": "消息内容无法编码为 JSON" },
  bus_payload_too_large: {
    en: "The message is {size} bytes; the bus accepts at most {limit}",
    "zh-CN": "消息大小为 {size} 字节，消息总线最多接受 {limit} 字节",
  },
  bus_stream_not_found: { en: "There is no event stream named {stream}", "zh-CN": "不存在名为 {stream} 的事件流" },
  bus_group_not_found: {
    en: "Stream {stream} has no consumer group named {group}",
    "zh-CN": "事件流 {stream} 中不存在名为 {group} 的消费组",
  },
  bus_invalid_token: {
    en: "The delivery token does not belong to group {group} of stream {stream}",
    "zh-CN": "该投递令牌不属于事件流 {stream} 的消费组 {group}",
  },
  bus_unavailable: { en: "The message bus is unreachable; retry shortly", "zh-CN": "消息总线不可达，请稍后重试" },
  bus_closed: { en: "The message bus is shut down", "zh-CN": "消息总线已关闭" },
};
