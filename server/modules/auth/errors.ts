import type { ErrorMessages } from "../../platform/errors/catalog";

/**
 * Codes the auth module adds. It also throws codes other modules define with the same meaning:
 * invalid_credentials, mfa_code_invalid, token_invalid, totp_already_enabled, totp_not_started,
 * totp_not_enabled, email_taken, session_not_found, rate_limited, mail_not_configured (accounts),
 * project_not_found, forbidden (projects), invalid_input (platform).
 */
export const authErrorMessages: ErrorMessages = {
  app_user_not_found: { en: "No such user in this project", "zh-CN": "此项目中没有该用户" },
  app_user_disabled: { en: "This user is disabled", "zh-CN": "该用户已被停用" },
  app_email_not_verified: { en: "Confirm your email address first", "zh-CN": "请先确认邮箱地址" },
  signup_disabled: { en: "Sign-up is turned off for this app", "zh-CN": "此应用已关闭注册" },
  auth_method_disabled: { en: "Signing in with {method} is turned off for this app", "zh-CN": "此应用已关闭 {method} 登录方式" },
  access_token_required: {
    en: "Send an access token: Authorization: Bearer <token>",
    "zh-CN": "请提供访问令牌：Authorization: Bearer <token>",
  },
  access_token_invalid: { en: "The access token is invalid", "zh-CN": "访问令牌无效" },
  access_token_expired: { en: "The access token has expired; refresh it", "zh-CN": "访问令牌已过期，请刷新" },
  access_token_wrong_project: { en: "This token belongs to another project", "zh-CN": "此令牌属于其他项目" },
  refresh_token_invalid: {
    en: "The refresh token is invalid, expired or revoked; sign in again",
    "zh-CN": "刷新令牌无效、已过期或已撤销，请重新登录",
  },
  refresh_token_reused: {
    en: "This refresh token was already used; the session has been ended for safety. Sign in again",
    "zh-CN": "此刷新令牌已被使用，为安全起见会话已结束，请重新登录",
  },
  session_revoked: { en: "This session has ended; sign in again", "zh-CN": "此会话已结束，请重新登录" },
  otp_invalid: { en: "The code is wrong or has expired", "zh-CN": "验证码错误或已过期" },
  redirect_url_required: {
    en: "No redirect URL: pass one, or set the app's site URL in the project's auth settings",
    "zh-CN": "缺少重定向地址：请提供一个，或在项目认证设置中设置应用站点地址",
  },
  redirect_url_not_allowed: { en: "{url} is not an allowed redirect URL for this app", "zh-CN": "{url} 不是此应用允许的重定向地址" },
  oauth_provider_not_found: { en: "No sign-in provider {provider} in this project", "zh-CN": "此项目中没有登录提供方 {provider}" },
  oauth_provider_name_taken: { en: "A provider named {name} already exists", "zh-CN": "已存在名为 {name} 的提供方" },
  oauth_provider_invalid: { en: "The provider settings are invalid: {reason}", "zh-CN": "提供方设置无效：{reason}" },
  oauth_failed: { en: "Signing in with the provider failed: {reason}", "zh-CN": "通过提供方登录失败：{reason}" },
  oauth_no_email: { en: "The provider did not share a verified email address", "zh-CN": "提供方未提供已验证的邮箱地址" },
  oauth_link_refused: {
    en: "A user with {email} exists, and the provider does not confirm this address; sign in another way first",
    "zh-CN": "已存在使用 {email} 的用户，且提供方未确认此地址，请先用其他方式登录",
  },
  app_role_not_found: { en: "No app role {role}", "zh-CN": "没有应用角色 {role}" },
  app_role_name_taken: { en: "An app role named {name} already exists", "zh-CN": "已存在名为 {name} 的应用角色" },
  api_key_required: {
    en: "This API takes an API key: Authorization: Bearer ar_…",
    "zh-CN": "此接口需要 API 密钥：Authorization: Bearer ar_…",
  },
  api_key_invalid: { en: "The API key is invalid", "zh-CN": "API 密钥无效" },
  api_key_expired: { en: "The API key has expired", "zh-CN": "API 密钥已过期" },
  api_key_revoked: { en: "The API key has been revoked", "zh-CN": "API 密钥已被撤销" },
  api_key_not_found: { en: "No such API key", "zh-CN": "没有该 API 密钥" },
  permission_not_held: {
    en: "You cannot give a key the permission {permission}, which you do not hold",
    "zh-CN": "您不能授予密钥您自己没有的权限 {permission}",
  },
};
