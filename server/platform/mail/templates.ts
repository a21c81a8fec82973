import type { Locale } from "../errors/locale";
import type { MailMessage } from "./mailer";

export interface MailTemplate {
  subject: Record<Locale, string>;
  /** Plain-text body; `{name}` placeholders are filled from the variables. */
  body: Record<Locale, string>;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A message from a template in the recipient's language: a plain-text body and a minimal HTML
 * version in which the `{link}` variable becomes a clickable link. No remote images or fonts.
 */
export function renderMail(template: MailTemplate, locale: Locale, to: string, vars: Record<string, string>): MailMessage {
  const fill = (text: string, html: boolean) =>
    text.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = vars[key];
      if (value === undefined) return whole;
      if (!html) return value;
      return key === "link" ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>` : escapeHtml(value);
    });
  const text = fill(template.body[locale], false);
  const html = `<div style="font-family: system-ui, sans-serif; line-height: 1.5">${fill(template.body[locale], true)
    .split("\n\n")
    .map((p) => `<p>${p.replace(/\n/g, "<br>")}</p>`)
    .join("")}</div>`;
  return { to, subject: fill(template.subject[locale], false), text, html };
}
