import type { Actor } from "../../platform/auth/actor";
import { readJson } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { AuthContext } from "./context";
import { DEFAULT_AUTH_SETTINGS, authSettingsSchema, updateSettingsInput, type AuthSettings } from "./schema";

export interface AuthEndpoints {
  /** `<publicUrl>/api/v1/projects/<slug>/auth`: the public auth API apps call. */
  restBase: string;
  /** `<publicUrl>/api/v1/admin/projects/<slug>`: the management REST that API keys call. */
  adminBase: string;
  /** The `iss` of access tokens (by project id, so a new slug does not change it). */
  issuer: string;
  jwksUri: string;
  /** The redirect URL to register at every OAuth/OIDC provider. */
  callbackUrl: string;
}

/** A project's app-user auth settings: defaults until someone changes them in the console. */
export function createAuthSettings(ctx: AuthContext) {
  async function get(projectId: string): Promise<AuthSettings> {
    const row = await ctx.db.selectFrom("auth_settings").select("settings").where("project_id", "=", projectId).executeTakeFirst();
    return authSettingsSchema.parse({ ...DEFAULT_AUTH_SETTINGS, ...(row ? readJson<object>(row.settings) : {}) });
  }

  return {
    get,

    /**
     * The addresses of the project's auth, built from the instance's public URL, for the console
     * to show: where apps call, the access tokens' issuer, the JWKS, the OAuth callback.
     */
    async endpoints(actor: Actor, ref: string): Promise<AuthEndpoints> {
      const { project } = await ctx.projects.authorize(actor, ref, "project:read");
      const issuer = ctx.issuer(project.id);
      return {
        restBase: `${ctx.publicUrl}/api/v1/projects/${project.slug}/auth`,
        adminBase: `${ctx.publicUrl}/api/v1/admin/projects/${project.slug}`,
        issuer,
        jwksUri: `${issuer}/jwks`,
        callbackUrl: `${issuer}/oauth/callback`,
      };
    },

    async view(actor: Actor, ref: string): Promise<AuthSettings> {
      const { project } = await ctx.projects.authorize(actor, ref, "project:read");
      return get(project.id);
    },

    /** Changes the given fields only. */
    async update(actor: Actor, input: unknown): Promise<AuthSettings> {
      const { project: ref, ...changes } = updateSettingsInput.parse(input);
      return ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, ref, "auth:configure", trx);
        const row = await trx.selectFrom("auth_settings").select("settings").where("project_id", "=", project.id).executeTakeFirst();
        const before = authSettingsSchema.parse({ ...DEFAULT_AUTH_SETTINGS, ...(row ? readJson<object>(row.settings) : {}) });
        const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        const after = authSettingsSchema.parse({ ...before, ...defined });
        const json = JSON.stringify(after);
        await trx
          .insertInto("auth_settings")
          .values({ project_id: project.id, settings: json })
          .onConflict((oc) => oc.column("project_id").doUpdateSet({ settings: json, updated_at: ctx.iso() }))
          .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "auth.settings.update",
            target: { kind: "auth_settings", id: project.id },
            data: { changes: defined },
          },
          trx,
        );
        return after;
      });
    },

    /**
     * Where a mailed link or an OAuth sign-in returns: the given URL when the settings allow it
     * (same origin and path prefix as the site URL or a listed redirect URL), else the site URL.
     */
    redirectTarget(settings: AuthSettings, requested: string | undefined): string {
      const allowed = [settings.siteUrl, ...settings.redirectUrls].filter((u): u is string => u !== null).map((u) => new URL(u));
      if (requested) {
        const url = new URL(requested);
        const ok = allowed.some((a) => a.origin === url.origin && url.pathname.startsWith(a.pathname));
        if (!ok) throw new AppError("redirect_url_not_allowed", 400, { url: requested.slice(0, 200) });
        return url.href;
      }
      if (!settings.siteUrl) throw new AppError("redirect_url_required", 400);
      return settings.siteUrl;
    },
  };
}

export type AuthSettingsService = ReturnType<typeof createAuthSettings>;
