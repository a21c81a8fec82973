"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { CodeBlock } from "../../../../../components/console/copy-field";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { SecretOnce } from "../../../../../components/console/secrets";
import type { MessageKey } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../components/ui/button";
import { Checkbox } from "../../../../../components/ui/checkbox";
import { Input } from "../../../../../components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import type { ApiKeyView } from "../../../../../server/modules/auth/api-keys";
import { createApiKeyInput } from "../../../../../server/modules/auth/schema";
import { usePermissionGroups } from "../../../../../components/console/permissions";
import type { Permission } from "../../../../../server/modules/projects/permissions";
import { useProject } from "../project-context";
import { useAuthEndpoints } from "../use-auth";

const EXPIRY = ["never", "7", "30", "90", "365", "custom"] as const;
type Expiry = (typeof EXPIRY)[number];
const DAY = 86_400_000;

export const permissionKey = (p: string) => `permissions.${p.replace(":", "_")}` as MessageKey;
const moduleKey = (m: string) => `permissions.module_${m}` as MessageKey;

/** The end of a chosen day (`yyyy-mm-dd`) in the browser's time zone, or null when it is not a date. */
function endOfDay(date: string): Date | null {
  const at = new Date(`${date}T23:59:59`);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(at.getTime()) ? at : null;
}

function keyForm(messages: { futureDate: string }) {
  return z
    .object({
      name: createApiKeyInput.shape.name,
      permissions: createApiKeyInput.shape.permissions,
      expiry: z.enum(EXPIRY),
      expiresOn: z.string(),
    })
    .superRefine((v, ctx) => {
      if (v.expiry !== "custom") return;
      const at = endOfDay(v.expiresOn);
      if (!at || at.getTime() <= Date.now()) ctx.addIssue({ code: "custom", path: ["expiresOn"], message: messages.futureDate });
    });
}

function expiresAt(expiry: Expiry, expiresOn: string): string | null {
  if (expiry === "never") return null;
  if (expiry === "custom") return endOfDay(expiresOn)!.toISOString();
  return new Date(Date.now() + Number(expiry) * DAY).toISOString();
}

/** What the creator may give: the permissions they hold, grouped by module in the catalog's order. */
function useGrantable() {
  const { project } = useProject();
  const held = useCallback((p: Permission) => project.permissions.includes(p), [project.permissions]);
  return usePermissionGroups(held);
}

function SecretShown({ created, onDone }: { created: { key: ApiKeyView; secret: string }; onDone: () => void }) {
  const { t } = useI18n();
  const endpoints = useAuthEndpoints();
  const example = endpoints.data ? `curl ${endpoints.data.adminBase}/users \\\n  -H 'authorization: Bearer ${created.secret}'` : null;
  return (
    <SecretOnce
      warning={t("apiKeys.onceTitle")}
      warningBody={t("apiKeys.onceBody")}
      label={t("apiKeys.secret", { name: created.key.name })}
      secret={created.secret}
      id="api-key-secret"
      alertTestId="api-key-once"
      doneLabel={t("apiKeys.copiedDone")}
      doneTestId="api-key-done"
      onDone={onDone}
    >
      {example && (
        <div className="grid min-w-0 gap-1.5">
          <p className="text-sm font-medium">{t("apiKeys.tryIt")}</p>
          <CodeBlock code={example} label={t("appUsers.copyExample")} />
        </div>
      )}
    </SecretOnce>
  );
}

/** Creates a key (name, permissions from what the creator holds, optional expiry), then shows its secret once. */
export function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const groups = useGrantable();
  const schema = useMemo(() => keyForm({ futureDate: t("apiKeys.futureDate") }), [t]);
  const form = useZodForm(
    schema,
    { name: "", permissions: [], expiry: "90", expiresOn: "" },
    { hints: { permissions: "apiKeys.permissionsRequired" } },
  );
  const [created, setCreated] = useState<{ key: ApiKeyView; secret: string } | null>(null);
  const create = useMutation(
    trpc.auth.apiKeys.create.mutationOptions({
      onSuccess: async (result) => {
        setCreated(result);
        toast.success(t("apiKeys.created", { name: result.key.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.auth.apiKeys.list.queryKey({ project: ref }) });
      },
    }),
  );
  const v = form.values;
  const chosen = new Set(v.permissions as string[]);
  const toggle = (p: Permission, on: boolean) =>
    form.set("permissions", on ? [...(v.permissions as Permission[]), p] : (v.permissions as Permission[]).filter((x) => x !== p));
  const all = groups.flatMap((g) => g.permissions);
  const expiryLabel = (e: Expiry) =>
    e === "never"
      ? t("apiKeys.never")
      : e === "custom"
        ? t("apiKeys.customDate")
        : t("apiKeys.inDays", { days: new Intl.NumberFormat(locale).format(Number(e)) });
  return (
    <FormDialog
      form={form}
      title={created ? t("apiKeys.createdTitle") : t("apiKeys.createTitle")}
      description={created ? t("apiKeys.createdDescription") : t("apiKeys.createDescription")}
      submitLabel={t("apiKeys.create")}
      className="sm:max-w-2xl"
      contentProps={{ onInteractOutside: (e) => created && e.preventDefault() }}
      done={created && <SecretShown created={created} onDone={onClose} />}
      closeOnSuccess={false}
      serverErrors={{ issuePath: (p) => (p === "expiresAt" ? "expiresOn" : p.split(".")[0]) }}
      onSubmit={(d) =>
        create.mutateAsync({ project: ref, name: d.name, permissions: d.permissions, expiresAt: expiresAt(d.expiry, d.expiresOn) })
      }
      onClose={onClose}
    >
      <div className="grid gap-4 sm:grid-cols-[1fr_14rem]">
        <Field id="field-name" label={t("apiKeys.name")} error={form.errors.name} hint={t("apiKeys.nameHint")}>
          <Input {...form.text("name")} autoFocus autoComplete="off" placeholder="billing-sync" />
        </Field>
        <Field id="field-expiry" label={t("apiKeys.expiry")} error={form.errors.expiresOn}>
          <Select value={v.expiry} onValueChange={(e) => form.set("expiry", e as Expiry)} name="expiry">
            <SelectTrigger id="field-expiry" className="w-full">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {EXPIRY.map((e) => (
                <SelectItem key={e} value={e}>
                  {expiryLabel(e)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          {v.expiry === "custom" && (
            <Input
              type="date"
              name="expiresOn"
              value={v.expiresOn}
              onChange={(e) => form.set("expiresOn", e.target.value)}
              aria-label={t("apiKeys.expiresOn")}
              aria-invalid={form.errors.expiresOn ? true : undefined}
            />
          )}
        </Field>
      </div>
      <fieldset className="grid gap-2">
        <div className="flex items-center justify-between gap-2">
          <legend className="text-sm font-medium">{t("apiKeys.permissions")}</legend>
          <div className="flex gap-1">
            <Button
              type="button"
              variant="ghost"
              size="sm"
              onClick={() =>
                form.set(
                  "permissions",
                  all.filter((p) => p.endsWith(":read")),
                )
              }
            >
              {t("apiKeys.readOnly")}
            </Button>
            <Button type="button" variant="ghost" size="sm" onClick={() => form.set("permissions", all)}>
              {t("apiKeys.allHeld")}
            </Button>
          </div>
        </div>
        <p className="text-xs text-muted-foreground">{t("apiKeys.permissionsHint")}</p>
        <div className="grid max-h-72 gap-3 overflow-y-auto rounded-md border p-3 sm:grid-cols-2" data-testid="api-key-permissions">
          {groups.map((g) => (
            <div key={g.module} className="grid content-start gap-1.5">
              <p className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">{t(moduleKey(g.module))}</p>
              {g.permissions.map((p) => (
                <label key={p} className="flex items-start gap-2 text-sm">
                  <Checkbox
                    name="permissions"
                    checked={chosen.has(p)}
                    onCheckedChange={(c) => toggle(p, c === true)}
                    aria-label={t(permissionKey(p))}
                    className="mt-0.5"
                  />
                  <span className="grid">
                    <span>{t(permissionKey(p))}</span>
                    <code className="text-xs text-muted-foreground">{p}</code>
                  </span>
                </label>
              ))}
            </div>
          ))}
        </div>
        {form.errors.permissions && (
          <p className="text-xs text-destructive" role="alert">
            {form.errors.permissions}
          </p>
        )}
      </fieldset>
    </FormDialog>
  );
}
