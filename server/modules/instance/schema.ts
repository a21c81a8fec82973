import { z } from "zod";

export const signupSettingsSchema = z.object({
  /** invite_only: accounts are created by invitation (or by an instance admin); open: anyone may sign up. */
  mode: z.enum(["invite_only", "open"]),
});

export const securitySettingsSchema = z.object({
  /** Every console account must use two-factor authentication; those without it enrol at next sign-in. */
  require2fa: z.boolean(),
  /** Accounts must confirm their email before they can sign in. */
  requireEmailVerification: z.boolean(),
});

export const smtpSettingsInput = z.object({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean(),
  username: z.string().max(255).optional(),
  /** Omitted: keep the stored password. Empty: remove it. */
  password: z.string().max(1024).optional(),
  fromAddress: z.email(),
  fromName: z.string().trim().min(1).max(100),
});

export type SignupSettings = z.infer<typeof signupSettingsSchema>;
export type SecuritySettings = z.infer<typeof securitySettingsSchema>;
export type SmtpSettingsInput = z.infer<typeof smtpSettingsInput>;

export const DEFAULT_SETTINGS = {
  signup: { mode: "invite_only" } as SignupSettings,
  security: { require2fa: false, requireEmailVerification: false } as SecuritySettings,
};
