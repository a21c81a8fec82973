import type { ErrorMessages } from "../../platform/errors/catalog";

export const accountErrorMessages: ErrorMessages = {
  not_authenticated: { en: "Sign in to continue", "zh-CN": "请先登录" },
  mfa_enrollment_required: {
    en: "This instance requires two-factor authentication; set it up to continue",
    "zh-CN": "此实例要求双因素认证，请先完成设置",
  },
  instance_admin_required: { en: "Only instance administrators can do this", "zh-CN": "只有实例管理员可以执行此操作" },
  csrf_rejected: { en: "The request did not come from this console", "zh-CN": "请求并非来自本控制台" },
  setup_done: { en: "This instance is already set up", "zh-CN": "此实例已完成初始化" },
  signup_closed: { en: "Sign-up is by invitation only", "zh-CN": "仅限受邀注册" },
  email_taken: { en: "An account with {email} already exists", "zh-CN": "{email} 已注册账户" },
  invalid_credentials: { en: "Email or password is wrong", "zh-CN": "邮箱或密码错误" },
  account_disabled: { en: "This account is disabled", "zh-CN": "此账户已被停用" },
  account_not_found: { en: "No such account", "zh-CN": "账户不存在" },
  email_not_verified: {
    en: "Confirm your email address first; we sent a link to {email}",
    "zh-CN": "请先确认邮箱地址，确认链接已发送至 {email}",
  },
  token_invalid: { en: "This link or code is invalid, already used or expired", "zh-CN": "此链接或验证码无效、已使用或已过期" },
  mfa_code_invalid: { en: "The code is wrong or already used", "zh-CN": "验证码错误或已被使用" },
  totp_already_enabled: { en: "Two-factor authentication is already on", "zh-CN": "双因素认证已开启" },
  totp_not_started: { en: "Start two-factor setup first", "zh-CN": "请先开始设置双因素认证" },
  totp_not_enabled: { en: "Two-factor authentication is not on", "zh-CN": "双因素认证未开启" },
  session_not_found: { en: "No such session", "zh-CN": "会话不存在" },
  cannot_disable_self: { en: "You cannot disable your own account", "zh-CN": "不能停用自己的账户" },
  rate_limited: {
    en: "Too many attempts; try again in {retryAfterSeconds} seconds",
    "zh-CN": "尝试次数过多，请在 {retryAfterSeconds} 秒后重试",
  },
  mail_not_configured: {
    en: "Mail is not configured on this instance; ask an administrator to set up SMTP",
    "zh-CN": "此实例未配置邮件，请联系管理员设置 SMTP",
  },
  mail_send_failed: { en: "The mail server refused the message: {reason}", "zh-CN": "邮件服务器拒绝了该邮件：{reason}" },
  sso_provider_not_found: { en: "No such sign-in provider", "zh-CN": "登录提供方不存在" },
  sso_failed: { en: "Single sign-on failed: {reason}", "zh-CN": "单点登录失败：{reason}" },
  sso_domain_not_allowed: {
    en: "Accounts from {domain} may not sign in with this provider",
    "zh-CN": "{domain} 的账户不能通过此提供方登录",
  },
  sso_no_account: {
    en: "No account matches this identity and automatic provisioning is off",
    "zh-CN": "没有与此身份匹配的账户，且未开启自动创建",
  },
};
