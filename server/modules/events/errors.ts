import type { ErrorMessages } from "../../platform/errors/catalog";

/**
 * Codes the event center adds. It also lets through the bus's own codes where they mean the same
 * (`bus_invalid_pattern`, `bus_invalid_config`, `bus_invalid_token`, `bus_unavailable`) and the
 * projects module's `project_not_found` / `forbidden`, and the platform's `invalid_input`.
 */
export const eventsErrorMessages: ErrorMessages = {
  event_topic_not_found: { en: "There is no topic {topic} in this project", "zh-CN": "此项目中没有主题 {topic}" },
  event_topic_exists: { en: "A topic named {topic} already exists", "zh-CN": "已存在名为 {topic} 的主题" },
  event_topic_read_only: {
    en: "Topic {topic} is written by apprun itself; it cannot be published to, changed or deleted this way",
    "zh-CN": "主题 {topic} 由 apprun 自身写入，不能通过此方式发布、修改或删除",
  },
  event_topic_in_use: {
    en: "Topic {topic} is the dead-letter topic of {usedBy}; change that first",
    "zh-CN": "主题 {topic} 是 {usedBy} 的死信主题，请先修改它",
  },
  event_topic_forbidden: { en: "Your role may not {action} on topic {topic}", "zh-CN": "您的角色不能在主题 {topic} 上执行{action}" },
  event_dead_letter_invalid: {
    en: "The dead-letter topic {topic} must be another topic of this project that apprun does not write",
    "zh-CN": "死信主题 {topic} 必须是此项目中另一个非系统主题",
  },
  event_invalid: { en: "Event {index} is not a valid CloudEvent: {summary}", "zh-CN": "第 {index} 个事件不是有效的 CloudEvent：{summary}" },
  event_payload_too_large: {
    en: "Event {index} is {size} bytes; a topic accepts at most {limit} per event",
    "zh-CN": "第 {index} 个事件大小为 {size} 字节，主题每个事件最多接受 {limit} 字节",
  },
  event_batch_too_large: {
    en: "A batch holds at most {limit} events; this one has {count}",
    "zh-CN": "一批最多包含 {limit} 个事件，此批有 {count} 个",
  },
  event_not_retained: { en: "Event {seq} of topic {topic} is no longer retained", "zh-CN": "主题 {topic} 的事件 {seq} 已不再保留" },
  event_not_dead_letter: {
    en: "Event {seq} of topic {topic} was not dead-lettered from a topic of this project",
    "zh-CN": "主题 {topic} 的事件 {seq} 不是从此项目的主题转入的死信",
  },
  event_group_not_found: { en: "Topic {topic} has no consumer group {group}", "zh-CN": "主题 {topic} 中没有消费组 {group}" },
  event_group_exists: { en: "Topic {topic} already has a consumer group {group}", "zh-CN": "主题 {topic} 中已存在消费组 {group}" },
  webhook_not_found: { en: "No such webhook in this project", "zh-CN": "此项目中没有该 Webhook" },
  webhook_url_invalid: { en: "{url} is not an http or https URL", "zh-CN": "{url} 不是 http 或 https 地址" },
  webhook_url_self: {
    en: "{url} points at this apprun instance; webhooks call other services",
    "zh-CN": "{url} 指向此 apprun 实例本身，Webhook 只能调用其他服务",
  },
  webhook_delivery_not_found: { en: "No such delivery of this webhook", "zh-CN": "此 Webhook 没有该投递记录" },
};
