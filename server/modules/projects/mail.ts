import type { MailTemplate } from "../../platform/mail/templates";

export const invitationMail: MailTemplate = {
  subject: { en: "{inviter} invited you to {project} on apprun", "zh-CN": "{inviter} 邀请您加入 apprun 项目 {project}" },
  body: {
    en: "Hello,\n\n{inviter} invited you to join the project {project} on apprun. To accept, open:\n{link}\n\nThe invitation works for 7 days and only once.",
    "zh-CN":
      "您好：\n\n{inviter} 邀请您加入 apprun 上的项目 {project}。如需接受邀请，请打开：\n{link}\n\n邀请 7 天内有效，且只能使用一次。",
  },
};
