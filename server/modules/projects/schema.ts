import { z } from "zod";
import { emailSchema } from "../accounts/schema";
import { PERMISSION_NAME } from "../../platform/permissions";

/** Lowercase letters, digits and single hyphens; never `prj_…`, so a slug can't be mistaken for an id. */
export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "lowercase letters, digits and single hyphens, starting with a letter")
  .min(3)
  .max(40);

export const projectRef = z.string().trim().min(1).max(64);
export const projectNameSchema = z.string().trim().min(1).max(100);

/** A browser origin (`https://app.example.com`, `http://localhost:5173`), or "*" for any. */
export const corsOriginSchema = z
  .string()
  .trim()
  .max(200)
  .refine((s) => s === "*" || /^https?:\/\/[^/\s?#]+$/i.test(s), "an origin: scheme://host[:port], no path, or *")
  .transform((s) => (s === "*" ? s : new URL(s).origin));
export const corsInput = z.object({ project: projectRef, origins: z.array(corsOriginSchema).max(50) });

export const createProjectInput = z.object({ name: projectNameSchema, slug: slugSchema });
export const updateProjectInput = z.object({ project: projectRef, name: projectNameSchema.optional(), slug: slugSchema.optional() });
export const deleteProjectInput = z.object({ project: projectRef, confirm: z.string().max(64) });
export const transferInput = z.object({ project: projectRef, accountId: z.string().min(1).max(64) });

export const roleRef = z.string().trim().min(1).max(64);
export const inviteInput = z.object({ project: projectRef, email: emailSchema, role: roleRef });
export const memberRoleInput = z.object({ project: projectRef, accountId: z.string().min(1).max(64), role: roleRef });
export const memberInput = z.object({ project: projectRef, accountId: z.string().min(1).max(64) });
export const acceptInvitationInput = z.object({ token: z.string().min(1).max(200) });

export const roleNameSchema = z
  .string()
  .trim()
  .min(2)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _-]*$/, "letters, digits, spaces, _ and -");
/** Permission names (checked against the instance's catalog by the service that stores them). */
export const permissionsSchema = z
  .array(z.string().max(64).regex(PERMISSION_NAME, "module:action"))
  .max(500)
  .transform((list) => [...new Set(list)].sort());
export const createRoleInput = z.object({
  project: projectRef,
  name: roleNameSchema,
  description: z.string().trim().max(300).default(""),
  permissions: permissionsSchema,
});
export const updateRoleInput = z.object({
  project: projectRef,
  roleId: z.string().min(1).max(64),
  name: roleNameSchema.optional(),
  description: z.string().trim().max(300).optional(),
  permissions: permissionsSchema.optional(),
});
export const roleIdInput = z.object({ project: projectRef, roleId: z.string().min(1).max(64) });

export const grantInput = z.object({
  project: projectRef,
  grantee: projectRef,
  resourceKind: z.string().trim().min(1).max(40),
  resourceName: z.string().trim().min(1).max(120),
  access: z.enum(["read", "read_write"]),
});
export const grantIdInput = z.object({ project: projectRef, grantId: z.string().min(1).max(64) });

export const auditQueryInput = z.object({
  project: projectRef,
  limit: z.number().int().min(1).max(200).default(50),
  before: z.string().max(64).optional(),
  action: z.string().max(100).optional(),
});
