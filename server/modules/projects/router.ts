import { z } from "zod";
import { AppError } from "../../platform/errors/app-error";
import { authedProcedure, publicProcedure, router } from "../../trpc/trpc";
import { nameSchema, passwordSchema } from "../accounts/schema";
import { accountActor } from "../accounts/service";
import {
  acceptInvitationInput,
  auditQueryInput,
  corsInput,
  createProjectInput,
  createRoleInput,
  deleteProjectInput,
  grantIdInput,
  grantInput,
  inviteInput,
  memberInput,
  memberRoleInput,
  projectRef,
  roleIdInput,
  transferInput,
  updateProjectInput,
  updateRoleInput,
} from "./schema";

const byProject = z.object({ project: projectRef });

/** Projects, members, invitations, roles, grants and the project audit log. Every procedure authorizes. */
export const projectsRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.services.projects.list(ctx.actor)),
  get: authedProcedure.input(byProject).query(async ({ ctx, input }) => {
    const access = await ctx.services.projects.get(ctx.actor, input.project);
    return { ...access.project, permissions: [...access.permissions] };
  }),
  create: authedProcedure
    .input(createProjectInput)
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.actor, input, ctx.origin)),
  update: authedProcedure.input(updateProjectInput).mutation(({ ctx, input }) => ctx.services.projects.update(ctx.actor, input)),
  setArchived: authedProcedure.input(byProject.extend({ archived: z.boolean() })).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.setArchived(ctx.actor, input.project, input.archived);
    return { ok: true };
  }),
  delete: authedProcedure.input(deleteProjectInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.delete(ctx.actor, input);
    return { ok: true };
  }),
  transfer: authedProcedure.input(transferInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.transfer(ctx.actor, input);
    return { ok: true };
  }),

  members: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.projects.members(ctx.actor, input.project)),
  changeRole: authedProcedure.input(memberRoleInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.changeRole(ctx.actor, input);
    return { ok: true };
  }),
  removeMember: authedProcedure.input(memberInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.removeMember(ctx.actor, input);
    return { ok: true };
  }),

  invite: authedProcedure.input(inviteInput).mutation(({ ctx, input }) => ctx.services.projects.invite(ctx.actor, input, ctx.locale)),
  invitations: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.projects.invitations(ctx.actor, input.project)),
  revokeInvitation: authedProcedure
    .input(byProject.extend({ invitationId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.projects.revokeInvitation(ctx.actor, input);
      return { ok: true };
    }),
  /** The invitation page, before sign-in: which project, which email. */
  inspectInvitation: publicProcedure
    .input(acceptInvitationInput)
    .query(({ ctx, input }) => ctx.services.projects.inspectInvitation(input.token)),
  /** Accept as the signed-in account, or create the invited account with a name and password. */
  acceptInvitation: publicProcedure
    .input(acceptInvitationInput.extend({ signUp: z.object({ name: nameSchema, password: passwordSchema }).optional() }))
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.session();
      if (session && !input.signUp) {
        const { projectId } = await ctx.services.projects.acceptInvitation(input, {
          actor: accountActor(session.account, session.sessionId),
        });
        return { projectId };
      }
      if (!input.signUp) throw new AppError("not_authenticated", 401);
      const result = await ctx.services.projects.acceptInvitation(input, { signUp: input.signUp, origin: ctx.origin });
      if (result.session) ctx.setSessionCookie(result.session);
      return { projectId: result.projectId };
    }),

  /** project:read. The origins whose browser apps may call the project's public API. */
  cors: authedProcedure.input(byProject).query(async ({ ctx, input }) => {
    const { project } = await ctx.services.projects.authorize(ctx.actor, input.project, "project:read");
    return ctx.services.projects.corsOrigins(project.id);
  }),
  /** project:update */
  setCors: authedProcedure.input(corsInput).mutation(({ ctx, input }) => ctx.services.projects.setCorsOrigins(ctx.actor, input)),
  permissions: authedProcedure.query(({ ctx }) => ctx.services.projects.permissions()),
  roles: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.projects.roles(ctx.actor, input.project)),
  createRole: authedProcedure.input(createRoleInput).mutation(({ ctx, input }) => ctx.services.projects.createRole(ctx.actor, input)),
  updateRole: authedProcedure.input(updateRoleInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.updateRole(ctx.actor, input);
    return { ok: true };
  }),
  deleteRole: authedProcedure.input(roleIdInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.deleteRole(ctx.actor, input);
    return { ok: true };
  }),

  resourceKinds: authedProcedure.query(({ ctx }) => ctx.services.projects.resourceKinds()),
  grants: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.projects.grants(ctx.actor, input.project)),
  grant: authedProcedure.input(grantInput).mutation(({ ctx, input }) => ctx.services.projects.grant(ctx.actor, input)),
  revokeGrant: authedProcedure.input(grantIdInput).mutation(async ({ ctx, input }) => {
    await ctx.services.projects.revokeGrant(ctx.actor, input);
    return { ok: true };
  }),

  audit: authedProcedure.input(auditQueryInput).query(({ ctx, input }) => ctx.services.projects.audit(ctx.actor, input)),
});
