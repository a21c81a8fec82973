import type { MailTemplate } from "../../platform/mail/templates";

export const verifyEmailMail: MailTemplate = {
  subject: { en: "Confirm your email for apprun", "zh-CN": "确认您在 apprun 的邮箱" },
  body: {
    en: "Hello {name},\n\nConfirm this email address for your apprun account by opening:\n{link}\n\nThe link works for 24 hours. If you did not ask for this, ignore this message.",
    "zh-CN":
      "{name}，您好：\n\n请打开以下链接确认您 apprun 账户的邮箱地址：\n{link}\n\n链接 24 小时内有效。如果这不是您本人的操作，请忽略此邮件。",
  },
};

export const resetPasswordMail: MailTemplate = {
  subject: { en: "Reset your apprun password", "zh-CN": "重置您的 apprun 密码" },
  body: {
    en: "Hello {name},\n\nSomeone asked to reset the password of your apprun account. To choose a new one, open:\n{link}\n\nThe link works for one hour and only once. If it was not you, ignore this message; your password stays as it is.",
    "zh-CN":
      "{name}，您好：\n\n有人请求重置您 apprun 账户的密码。如需设置新密码，请打开：\n{link}\n\n链接一小时内有效，且只能使用一次。如果这不是您本人的操作，请忽略此邮件，您的密码不会改变。",
  },
};
