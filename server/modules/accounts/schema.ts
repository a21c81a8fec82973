import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../platform/crypto/password-policy";

// The console imports this file into the browser: zod and Node-free modules only.

/** Emails are compared lowercased and trimmed; 254 is the longest a mailbox address can be. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((v) => v.toLowerCase());

export const passwordSchema = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);
export const nameSchema = z.string().trim().min(1).max(100);

export const setupInput = z.object({ email: emailSchema, name: nameSchema, password: passwordSchema });
export const signUpInput = z.object({
  email: emailSchema,
  name: nameSchema,
  password: passwordSchema,
  invitation: z.string().max(200).optional(),
});
export const signInInput = z.object({ email: emailSchema, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) });
export const mfaInput = z.object({
  challenge: z.string().min(1).max(200),
  code: z.string().trim().max(20).optional(),
  recoveryCode: z.string().trim().max(20).optional(),
});
export const changePasswordInput = z.object({ current: z.string().min(1).max(PASSWORD_MAX_LENGTH), next: passwordSchema });
export const resetRequestInput = z.object({ email: emailSchema });
export const resetInput = z.object({ token: z.string().min(1).max(200), password: passwordSchema });
export const tokenInput = z.object({ token: z.string().min(1).max(200) });
export const totpCodeInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
});
export const disableTotpInput = z.object({
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
});
export const updateProfileInput = z.object({ name: nameSchema });

export type SetupInput = z.infer<typeof setupInput>;
export type SignUpInput = z.infer<typeof signUpInput>;
export type SignInInput = z.infer<typeof signInInput>;
export type MfaInput = z.infer<typeof mfaInput>;

/** Single sign-on provider settings: here rather than in sso.ts so the console's form can use them. */
const claimName = z.string().trim().min(1).max(100);

export const ssoProviderInput = z.object({
  name: z.string().trim().min(1).max(80),
  /** The issuer URL; its `/.well-known/openid-configuration` is read. https, or http on loopback for testing. */
  issuer: z.url({ protocol: /^https?$/ }),
  clientId: z.string().trim().min(1).max(255),
  /** Omitted on update: keep the stored secret. */
  clientSecret: z.string().min(1).max(1024).optional(),
  scopes: z.string().trim().min(1).max(255).default("openid email profile"),
  claimMapping: z.object({ email: claimName.default("email"), name: claimName.default("name") }).default({ email: "email", name: "name" }),
  /** Empty: any domain. */
  allowedDomains: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/),
    )
    .max(50)
    .default([]),
  jitProvisioning: z.boolean().default(false),
  /** Just-in-time accounts join this project with this role. */
  defaultProjectId: z.string().max(64).nullable().default(null),
  defaultRole: z.string().max(64).nullable().default(null),
  enabled: z.boolean().default(true),
});
export type SsoProviderInput = z.input<typeof ssoProviderInput>;
