import type { MailTemplate } from "../../platform/mail/templates";

export const otpMail: MailTemplate = {
  subject: { en: "Your sign-in code for {project}: {code}", "zh-CN": "您的 {project} 登录验证码：{code}" },
  body: {
    en: "Hello,\n\nYour code to sign in to {project} is:\n\n{code}\n\nIt works for 10 minutes and only once. If you did not ask for it, ignore this message.",
    "zh-CN":
      "您好：\n\n您登录 {project} 的验证码是：\n\n{code}\n\n验证码 10 分钟内有效，且只能使用一次。如果这不是您本人的操作，请忽略此邮件。",
  },
};

export const magicLinkMail: MailTemplate = {
  subject: { en: "Sign in to {project}", "zh-CN": "登录 {project}" },
  body: {
    en: "Hello,\n\nTo sign in to {project}, open:\n{link}\n\nThe link works for 15 minutes and only once. If you did not ask for it, ignore this message.",
    "zh-CN": "您好：\n\n如需登录 {project}，请打开：\n{link}\n\n链接 15 分钟内有效，且只能使用一次。如果这不是您本人的操作，请忽略此邮件。",
  },
};

export const verifyEmailMail: MailTemplate = {
  subject: { en: "Confirm your email for {project}", "zh-CN": "确认您在 {project} 的邮箱" },
  body: {
    en: "Hello {name},\n\nConfirm this email address for your {project} account by opening:\n{link}\n\nThe link works for 24 hours. If you did not ask for this, ignore this message.",
    "zh-CN":
      "{name}，您好：\n\n请打开以下链接确认您 {project} 账户的邮箱地址：\n{link}\n\n链接 24 小时内有效。如果这不是您本人的操作，请忽略此邮件。",
  },
};

export const resetPasswordMail: MailTemplate = {
  subject: { en: "Reset your {project} password", "zh-CN": "重置您的 {project} 密码" },
  body: {
    en: "Hello {name},\n\nSomeone asked to reset the password of your {project} account. To choose a new one, open:\n{link}\n\nThe link works for one hour and only once. If it was not you, ignore this message; your password stays as it is.",
    "zh-CN":
      "{name}，您好：\n\n有人请求重置您 {project} 账户的密码。如需设置新密码，请打开：\n{link}\n\n链接一小时内有效，且只能使用一次。如果这不是您本人的操作，请忽略此邮件，您的密码不会改变。",
  },
};
