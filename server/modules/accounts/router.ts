import { z } from "zod";
import { authedProcedure, publicProcedure, router } from "../../trpc/trpc";
import {
  changePasswordInput,
  disableTotpInput,
  mfaInput,
  resetInput,
  resetRequestInput,
  setupInput,
  signInInput,
  signUpInput,
  tokenInput,
  totpCodeInput,
  updateProfileInput,
} from "./schema";

/** The console's own sign-in, account and session procedures. */
export const accountsRouter = router({
  /** What the console needs before anything else: is there an account yet, who is signed in. */
  state: publicProcedure.query(async ({ ctx }) => {
    const [needsSetup, session, signup] = await Promise.all([
      ctx.services.accounts.needsSetup(),
      ctx.session(),
      ctx.services.instance.signup(),
    ]);
    return {
      needsSetup,
      account: session?.account ?? null,
      mfaEnrollmentRequired: session?.mfaEnrollmentRequired ?? false,
      signupOpen: signup.mode === "open",
      ssoProviders: await ctx.services.sso.publicList(),
    };
  }),

  setup: publicProcedure.input(setupInput).mutation(async ({ ctx, input }) => {
    const { session, account } = await ctx.services.accounts.setup(input, ctx.origin);
    ctx.setSessionCookie(session);
    return { account };
  }),

  signUp: publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
    const { session, account } = await ctx.services.accounts.signUp(input, ctx.origin, ctx.locale);
    ctx.setSessionCookie(session);
    return { account };
  }),

  signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
    const result = await ctx.services.accounts.signIn(input, ctx.origin);
    if (result.status === "mfa_required") return { status: result.status, challenge: result.challenge };
    ctx.setSessionCookie(result.session);
    return { status: result.status, account: result.account };
  }),

  verifyMfa: publicProcedure.input(mfaInput).mutation(async ({ ctx, input }) => {
    const result = await ctx.services.accounts.verifyMfa(input, ctx.origin);
    if (result.status !== "signed_in") throw new Error("unreachable");
    ctx.setSessionCookie(result.session);
    return { account: result.account };
  }),

  signOut: publicProcedure.meta({ duringMfaEnrollment: true }).mutation(async ({ ctx }) => {
    const token = ctx.sessionToken();
    if (token) await ctx.services.accounts.signOut(token);
    ctx.setSessionCookie(null);
    return { ok: true };
  }),

  signOutEverywhere: authedProcedure.input(z.object({ keepCurrent: z.boolean().default(true) })).mutation(async ({ ctx, input }) => {
    const ended = await ctx.services.accounts.signOutEverywhere(ctx.account.id, input.keepCurrent ? ctx.sessionId : undefined);
    if (!input.keepCurrent) ctx.setSessionCookie(null);
    return { ended };
  }),

  sessions: authedProcedure.query(({ ctx }) => ctx.services.accounts.listSessions(ctx.account.id, ctx.sessionId)),

  revokeSession: authedProcedure.input(z.object({ sessionId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    await ctx.services.accounts.revokeSession(ctx.account.id, input.sessionId);
    return { ok: true };
  }),

  updateProfile: authedProcedure
    .input(updateProfileInput)
    .mutation(({ ctx, input }) => ctx.services.accounts.updateProfile(ctx.account.id, input)),

  changePassword: authedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.services.accounts.changePassword(ctx.account.id, ctx.sessionId, input);
    return { ok: true };
  }),

  requestPasswordReset: publicProcedure.input(resetRequestInput).mutation(async ({ ctx, input }) => {
    await ctx.services.accounts.requestPasswordReset(input, ctx.origin, ctx.locale);
    return { ok: true };
  }),

  resetPassword: publicProcedure.input(resetInput).mutation(async ({ ctx, input }) => {
    await ctx.services.accounts.resetPassword(input);
    return { ok: true };
  }),

  requestEmailVerification: authedProcedure.mutation(async ({ ctx }) => {
    await ctx.services.accounts.requestEmailVerification(ctx.account.id, ctx.locale);
    return { ok: true };
  }),

  verifyEmail: publicProcedure.input(tokenInput).mutation(async ({ ctx, input }) => {
    await ctx.services.accounts.verifyEmail(input);
    return { ok: true };
  }),

  totp: router({
    begin: authedProcedure.meta({ duringMfaEnrollment: true }).mutation(({ ctx }) => ctx.services.accounts.beginTotp(ctx.account.id)),
    confirm: authedProcedure
      .meta({ duringMfaEnrollment: true })
      .input(totpCodeInput)
      .mutation(({ ctx, input }) => ctx.services.accounts.confirmTotp(ctx.account.id, input)),
    disable: authedProcedure.input(disableTotpInput).mutation(async ({ ctx, input }) => {
      await ctx.services.accounts.disableTotp(ctx.account.id, input);
      return { ok: true };
    }),
    recoveryCodesLeft: authedProcedure.query(({ ctx }) => ctx.services.accounts.recoveryCodesLeft(ctx.account.id)),
  }),
});
