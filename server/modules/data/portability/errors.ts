import type { ErrorMessages } from "../../../platform/errors/catalog";

/** Codes of the export/import archives and the generated API description (en, zh-CN). */
export const portabilityErrorMessages: ErrorMessages = {
  project_not_empty: {
    en: "The project already has {collections} collections and {retained} retained data sets: an archive can only be imported into an empty project",
    "zh-CN": "该项目已有 {collections} 个集合和 {retained} 份保留数据：归档只能导入到空项目",
  },
  archive_corrupt: {
    en: "The archive is damaged or not an apprun archive ({reason}); nothing was imported",
    "zh-CN": "归档已损坏或不是 apprun 归档（{reason}）；未导入任何内容",
  },
  archive_truncated: {
    en: "The archive ends early (it was cut off); nothing was imported",
    "zh-CN": "归档提前结束（已被截断）；未导入任何内容",
  },
  archive_checksum_mismatch: {
    en: "The archive's checksum or counts do not match its content; nothing was imported",
    "zh-CN": "归档的校验和或计数与内容不符；未导入任何内容",
  },
  archive_version_unsupported: {
    en: "Archive format version {version} is not supported (this apprun reads version {supported}); nothing was imported",
    "zh-CN": "不支持归档格式版本 {version}（此 apprun 可读取版本 {supported}）；未导入任何内容",
  },
  archive_invalid: {
    en: "The archive does not match its model ({collection}: {reason}); nothing was imported",
    "zh-CN": "归档内容与其模型不符（{collection}：{reason}）；未导入任何内容",
  },
};
