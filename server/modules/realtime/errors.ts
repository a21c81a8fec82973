import type { ErrorMessages } from "../../platform/errors/catalog";

/** Messages for every code the realtime module sends in error frames, close reasons and HTTP errors. */
export const realtimeErrorMessages: ErrorMessages = {
  realtime_invalid_frame: { en: "Invalid frame: {reason}", "zh-CN": "帧无效：{reason}" },
  realtime_frame_too_large: {
    en: "The frame is {size} bytes; at most {limit} are accepted",
    "zh-CN": "帧大小为 {size} 字节，最多接受 {limit} 字节",
  },
  realtime_not_authenticated: {
    en: "Authenticate first: send an auth frame with the project and a token",
    "zh-CN": "请先认证：发送包含项目和令牌的 auth 帧",
  },
  realtime_already_authenticated: {
    en: "This connection is already authenticated for another project or principal",
    "zh-CN": "此连接已为其他项目或身份完成认证",
  },
  realtime_wrong_project: { en: "The credential does not belong to this project", "zh-CN": "该凭据不属于此项目" },
  realtime_auth_timeout: { en: "No auth frame within {timeoutMs} ms", "zh-CN": "{timeoutMs} 毫秒内未收到 auth 帧" },
  realtime_token_expired: {
    en: "The access token expired; reconnect or send auth with a fresh token",
    "zh-CN": "访问令牌已过期；请重新连接或使用新令牌发送 auth",
  },
  realtime_invalid_channel: {
    en: "{channel} is not a channel: use collections/<name>, collections/<name>/<id> or channels/<name>",
    "zh-CN": "{channel} 不是有效频道：请使用 collections/<名称>、collections/<名称>/<ID> 或 channels/<名称>",
  },
  realtime_channel_not_found: { en: "The channel {name} does not exist in this project", "zh-CN": "此项目中不存在频道 {name}" },
  realtime_forbidden: { en: "Not allowed to {operation} {channel}", "zh-CN": "无权对 {channel} 执行 {operation}" },
  realtime_too_many_subscriptions: { en: "At most {limit} subscriptions per connection", "zh-CN": "每个连接最多 {limit} 个订阅" },
  realtime_not_subscribed: { en: "Not subscribed to {channel}", "zh-CN": "未订阅 {channel}" },
  realtime_presence_disabled: { en: "The channel {name} does not track presence", "zh-CN": "频道 {name} 未启用在线状态" },
  realtime_resume_gap: {
    en: "Events after {lastEventId} are no longer retained (oldest kept: {firstSeq}); reload the data",
    "zh-CN": "{lastEventId} 之后的事件已不再保留（最早保留：{firstSeq}）；请重新加载数据",
  },
  realtime_too_many_pending: {
    en: "Too many frames waiting for a reply (at most {limit}); wait for the replies",
    "zh-CN": "等待回复的帧过多（最多 {limit} 个）；请等待回复",
  },
  realtime_slow_consumer: {
    en: "The client reads too slowly: more than {limit} bytes waited to be sent",
    "zh-CN": "客户端读取过慢：待发送数据超过 {limit} 字节",
  },
  realtime_connection_not_found: {
    en: "No open realtime connection {connectionId} on this node",
    "zh-CN": "此节点上没有打开的实时连接 {connectionId}",
  },
  realtime_invalid_rule: { en: "The {rule} rule is invalid: {reason}", "zh-CN": "{rule} 规则无效：{reason}" },
  realtime_shutting_down: { en: "The server is shutting down; reconnect", "zh-CN": "服务器正在关闭；请重新连接" },
};
