import { z } from "zod";
import { PASSWORD_MAX_LENGTH } from "../../platform/crypto/password-policy";
import { emailSchema, nameSchema, passwordSchema } from "../accounts/schema";
import { permissionsSchema, projectRef } from "../projects/schema";

// The console imports this file into the browser: zod and Node-free modules only.

/** Where mailed links and OAuth sign-ins send the browser back to: an app page, http(s) only. */
export const redirectUrlSchema = z.url({ protocol: /^https?$/ }).max(2000);

// ── per-project settings ────────────────────────────────────────────────────

const settingsFields = {
  /** Anyone may create an account (password, email code, magic link, OAuth). Off: only existing users sign in. */
  signUpEnabled: z.boolean(),
  /** Password sign-in needs a confirmed email. */
  requireEmailVerification: z.boolean(),
  passwordSignIn: z.boolean(),
  emailOtp: z.boolean(),
  magicLink: z.boolean(),
  /** Access tokens (JWT): 1 minute to 1 day. */
  accessTokenTtlSeconds: z.number().int().min(60).max(86_400),
  /** Refresh tokens: 1 hour to 1 year. Each use rotates it and restarts this window. */
  refreshTokenTtlSeconds: z
    .number()
    .int()
    .min(3600)
    .max(365 * 86_400),
  /** The app's page that mailed links and OAuth sign-ins return to when no redirect URL is given. */
  siteUrl: redirectUrlSchema.nullable(),
  /** Other pages allowed as redirect targets (same origin and path prefix). */
  redirectUrls: z.array(redirectUrlSchema).max(20),
};

export const DEFAULT_AUTH_SETTINGS = {
  signUpEnabled: true,
  requireEmailVerification: false,
  passwordSignIn: true,
  emailOtp: true,
  magicLink: true,
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 30 * 86_400,
  siteUrl: null,
  redirectUrls: [],
} satisfies z.input<z.ZodObject<typeof settingsFields>>;

export const authSettingsSchema = z.object(settingsFields);
export type AuthSettings = z.output<typeof authSettingsSchema>;

/** Only the fields given change. */
export const updateSettingsInput = z.object(settingsFields).partial().extend({ project: projectRef });

// ── public flows ─────────────────────────────────────────────────────────────

export const signUpInput = z.object({ email: emailSchema, password: passwordSchema, name: nameSchema.optional() });
export const signInInput = z.object({ email: emailSchema, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) });
export const mfaInput = z
  .object({
    challenge: z.string().min(1).max(200),
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/)
      .optional(),
    recoveryCode: z.string().trim().min(1).max(20).optional(),
  })
  .refine((v) => v.code !== undefined || v.recoveryCode !== undefined, {
    message: "a code or a recovery code is required",
    path: ["code"],
  });
export const refreshInput = z.object({ refreshToken: z.string().min(1).max(200) });
export const emailLinkInput = z.object({ email: emailSchema, redirectTo: redirectUrlSchema.optional() });
export const otpVerifyInput = z.object({
  email: emailSchema,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "six digits"),
});
export const tokenInput = z.object({ token: z.string().min(1).max(200) });
export const resetInput = z.object({ token: z.string().min(1).max(200), password: passwordSchema });
export const totpCodeInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "six digits"),
});
export const redirectInput = z.object({ redirectTo: redirectUrlSchema.optional() });
export const oauthStartQuery = z.object({ redirect_to: redirectUrlSchema.optional() });
export const oauthExchangeInput = z.object({ code: z.string().min(1).max(200) });

export type SignUpInput = z.input<typeof signUpInput>;
export type SignInInput = z.input<typeof signInInput>;

// ── providers ────────────────────────────────────────────────────────────────

const providerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, "lowercase letters, digits and hyphens, starting with a letter");
const providerCommon = {
  /** In URLs: /auth/oauth/<name>/start */
  name: providerName,
  displayName: z.string().trim().min(1).max(80),
  clientId: z.string().trim().min(1).max(255),
  /** Required on create; omitted on update keeps the stored one. Never returned. */
  clientSecret: z.string().min(1).max(1024).optional(),
  enabled: z.boolean().default(true),
};
export const providerInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("oidc"),
    ...providerCommon,
    issuer: z.url({ protocol: /^https?$/ }).max(500),
    scopes: z.string().trim().min(1).max(255).default("openid email profile"),
  }),
  z.object({ kind: z.literal("google"), ...providerCommon, scopes: z.string().trim().min(1).max(255).default("openid email profile") }),
  z.object({
    kind: z.literal("microsoft"),
    ...providerCommon,
    /**
     * The directory (tenant) id: a GUID. Multi-tenant `common`/`organizations` are not supported
     * (their ID tokens carry per-tenant issuers).
     */
    tenant: z.uuid(),
    scopes: z.string().trim().min(1).max(255).default("openid email profile"),
  }),
  z.object({
    kind: z.literal("github"),
    ...providerCommon,
    /** GitHub Enterprise Server base URL; default https://github.com. */
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
    scopes: z.string().trim().min(1).max(255).default("read:user user:email"),
  }),
]);
export type ProviderInput = z.input<typeof providerInput>;
export type ParsedProviderInput = z.output<typeof providerInput>;

// ── console management ───────────────────────────────────────────────────────

export const byProject = z.object({ project: projectRef });
export const idSchema = z.string().trim().min(1).max(64);
export const userRef = byProject.extend({ userId: idSchema });
export const listUsersInput = byProject.extend({
  /** Matches email or name (case-insensitive substring). */
  search: z.string().trim().max(254).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The last id of the previous page. */
  after: idSchema.optional(),
});
export const setDisabledInput = userRef.extend({ disabled: z.boolean() });

export const roleNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, "a letter, then letters, digits, _ . : -");
export const setRolesInput = userRef.extend({ roles: z.array(roleNameSchema).max(100) });
export const createAppRoleInput = byProject.extend({ name: roleNameSchema, description: z.string().trim().max(300).default("") });
export const updateAppRoleInput = byProject.extend({
  roleId: idSchema,
  name: roleNameSchema.optional(),
  description: z.string().trim().max(300).optional(),
});
export const appRoleRef = byProject.extend({ roleId: idSchema });

export const createProviderInput = byProject.extend({ provider: providerInput });
export const updateProviderInput = byProject.extend({ providerId: idSchema, provider: providerInput });
export const providerRef = byProject.extend({ providerId: idSchema });

export const createApiKeyInput = byProject.extend({
  name: z.string().trim().min(1).max(80),
  permissions: permissionsSchema.refine((list) => list.length > 0, "at least one permission"),
  /** Optional expiry, in the future. */
  expiresAt: z.iso.datetime({ offset: true }).nullable().default(null),
});
export const apiKeyRef = byProject.extend({ keyId: idSchema });
