import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../platform/crypto/passwords";

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
export const signUpInput = z.object({ email: emailSchema, name: nameSchema, password: passwordSchema, invitation: z.string().max(200).optional() });
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
export const totpCodeInput = z.object({ code: z.string().trim().regex(/^\d{6}$/) });
export const disableTotpInput = z.object({ password: z.string().min(1).max(PASSWORD_MAX_LENGTH), code: z.string().trim().regex(/^\d{6}$/) });
export const updateProfileInput = z.object({ name: nameSchema });

export type SetupInput = z.infer<typeof setupInput>;
export type SignUpInput = z.infer<typeof signUpInput>;
export type SignInInput = z.infer<typeof signInInput>;
export type MfaInput = z.infer<typeof mfaInput>;
