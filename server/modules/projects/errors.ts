import type { ErrorMessages } from "../../platform/errors/catalog";

export const projectErrorMessages: ErrorMessages = {
  project_not_found: { en: "No project {project}, or you are not a member of it", "zh-CN": "项目 {project} 不存在，或您不是其成员" },
  forbidden: { en: "Your role does not allow this ({permission})", "zh-CN": "您的角色不允许此操作（{permission}）" },
  project_archived: { en: "This project is archived; unarchive it to make changes", "zh-CN": "此项目已归档，取消归档后才能修改" },
  slug_taken: { en: "The identifier {slug} is already used by another project", "zh-CN": "标识 {slug} 已被其他项目使用" },
  confirmation_mismatch: { en: "Type the project's identifier exactly to confirm", "zh-CN": "请准确输入项目标识以确认" },
  member_not_found: { en: "This account is not a member of the project", "zh-CN": "该账户不是此项目的成员" },
  last_owner: {
    en: "A project needs at least one owner; make someone else owner first",
    "zh-CN": "项目至少需要一位所有者，请先指定其他所有者",
  },
  already_member: { en: "{email} is already a member", "zh-CN": "{email} 已是成员" },
  invitation_not_found: { en: "No such open invitation", "zh-CN": "没有此待处理邀请" },
  invitation_invalid: { en: "This invitation is invalid, already used, revoked or expired", "zh-CN": "此邀请无效、已使用、已撤销或已过期" },
  invitation_email_mismatch: {
    en: "This invitation was sent to {email}; sign in as that account to accept it",
    "zh-CN": "此邀请发送给 {email}，请以该账户登录后接受",
  },
  role_not_found: { en: "No role {role} in this project", "zh-CN": "此项目中没有角色 {role}" },
  role_name_reserved: { en: "{name} is a built-in role name", "zh-CN": "{name} 是内置角色名称" },
  role_name_taken: { en: "A role named {name} already exists", "zh-CN": "已存在名为 {name} 的角色" },
  role_built_in: { en: "Built-in roles cannot be changed", "zh-CN": "内置角色不能修改" },
  role_in_use: { en: "Members still hold this role; give them another one first", "zh-CN": "仍有成员使用此角色，请先为他们更换角色" },
  resource_kind_unknown: { en: "Resources of kind {kind} cannot be shared", "zh-CN": "无法共享类型为 {kind} 的资源" },
  resource_not_found: { en: "No {kind} named {name} in this project", "zh-CN": "此项目中没有名为 {name} 的 {kind}" },
  grantee_not_found: { en: "No other project {project}", "zh-CN": "不存在其他项目 {project}" },
  grant_not_found: { en: "No such grant", "zh-CN": "没有此授权" },
};
