import { createMailer, type Mailer } from "../../platform/mail/mailer";
import { defineModule } from "../../platform/module";

declare module "../../platform/module" {
  interface Services {
    mailer: Mailer;
  }
}

/** Outgoing mail through the instance's SMTP settings (read on each send, so a change applies at once). */
export const mailModule = defineModule({
  name: "mailer",
  dependsOn: ["instance"],
  create: (ctx) => createMailer({ smtp: () => ctx.services.instance.smtp() }),
  stop: (mailer) => mailer.close(),
});
