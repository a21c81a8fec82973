import nodemailer, { type Transporter } from "nodemailer";
import { AppError } from "../errors/app-error";

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (usually port 465); otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  username?: string;
  password?: string;
  fromAddress: string;
  fromName: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Sends mail through the SMTP server configured in instance settings, read on each send so a
 * settings change applies at once. Transports are reused while the settings stay the same.
 */
export function createMailer(deps: { smtp: () => Promise<SmtpSettings | null> }) {
  let cached: { key: string; transport: Transporter } | undefined;

  async function transport(): Promise<{ transport: Transporter; settings: SmtpSettings }> {
    const settings = await deps.smtp();
    if (!settings) throw new AppError("mail_not_configured", 409);
    const key = JSON.stringify(settings);
    if (cached?.key !== key) {
      cached?.transport.close();
      cached = {
        key,
        transport: nodemailer.createTransport({
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          auth: settings.username ? { user: settings.username, pass: settings.password ?? "" } : undefined,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        }),
      };
    }
    return { transport: cached.transport, settings };
  }

  return {
    async configured(): Promise<boolean> {
      return (await deps.smtp()) !== null;
    },
    async send(message: MailMessage): Promise<void> {
      const { transport: t, settings } = await transport();
      try {
        await t.sendMail({
          from: { name: settings.fromName, address: settings.fromAddress },
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      } catch (err) {
        throw new AppError("mail_send_failed", 502, { reason: (err as Error).message.slice(0, 200) });
      }
    },
    close(): void {
      cached?.transport.close();
      cached = undefined;
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
