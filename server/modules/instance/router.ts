import { z } from "zod";
import { adminProcedure, router } from "../../trpc/trpc";
import { ssoProviderInput } from "../accounts/schema";
import { setupInput } from "../accounts/schema";
import { securitySettingsSchema, signupSettingsSchema, smtpSettingsInput } from "./schema";

/** Instance administration: settings, accounts, single sign-on providers, the instance audit log. */
export const instanceRouter = router({
  settings: adminProcedure.query(async ({ ctx }) => {
    const [signup, security, smtp] = await Promise.all([
      ctx.services.instance.signup(),
      ctx.services.instance.security(),
      ctx.services.instance.smtpView(),
    ]);
    return { signup, security, smtp, publicUrl: ctx.publicUrl };
  }),
  updateSignup: adminProcedure.input(signupSettingsSchema).mutation(async ({ ctx, input }) => {
    await ctx.services.instance.updateSignup(input, ctx.actor);
    return { ok: true };
  }),
  updateSecurity: adminProcedure.input(securitySettingsSchema).mutation(async ({ ctx, input }) => {
    await ctx.services.instance.updateSecurity(input, ctx.actor);
    return { ok: true };
  }),
  updateSmtp: adminProcedure.input(smtpSettingsInput.nullable()).mutation(async ({ ctx, input }) => {
    await ctx.services.instance.updateSmtp(input, ctx.actor);
    return { ok: true };
  }),
  /** Sends a test message to the signed-in admin with the saved settings. */
  testSmtp: adminProcedure.mutation(async ({ ctx }) => {
    await ctx.services.mailer.send({
      to: ctx.account.email,
      subject: "apprun SMTP test",
      text: "This message confirms that apprun can send mail with the saved SMTP settings.",
    });
    return { ok: true, to: ctx.account.email };
  }),

  accounts: adminProcedure.query(({ ctx }) => ctx.services.accounts.list()),
  createAccount: adminProcedure
    .input(setupInput.extend({ instanceAdmin: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => ctx.services.accounts.create(input, ctx.actor)),
  setAccountDisabled: adminProcedure
    .input(z.object({ accountId: z.string().min(1).max(64), disabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.accounts.setDisabled(input.accountId, input.disabled, ctx.actor);
      return { ok: true };
    }),

  ssoProviders: adminProcedure.query(({ ctx }) => ctx.services.sso.list()),
  createSsoProvider: adminProcedure.input(ssoProviderInput).mutation(({ ctx, input }) => ctx.services.sso.create(input, ctx.actor)),
  updateSsoProvider: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64), provider: ssoProviderInput }))
    .mutation(({ ctx, input }) => ctx.services.sso.update(input.id, input.provider, ctx.actor)),
  deleteSsoProvider: adminProcedure.input(z.object({ id: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    await ctx.services.sso.remove(input.id, ctx.actor);
    return { ok: true };
  }),

  audit: adminProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        before: z.string().max(64).optional(),
        action: z.string().max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.services.audit.list({ projectId: null, ...input })),
});
