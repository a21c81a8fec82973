"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Building2, ChevronDown, Globe, KeyRound, Plus, type LucideIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete } from "../../../../../../components/console/confirm-dialog";
import { CopyField } from "../../../../../../components/console/copy-field";
import { Field, useZodForm } from "../../../../../../components/console/form";
import { FormDialog } from "../../../../../../components/console/form-dialog";
import { ActionsHead, EditDeleteMenu } from "../../../../../../components/console/row-actions";
import { StoredSecretField } from "../../../../../../components/console/secrets";
import { EmptyState, LoadingRows, QueryCard, QueryError } from "../../../../../../components/console/states";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../../../../../components/ui/dropdown-menu";
import { Input } from "../../../../../../components/ui/input";
import { Label } from "../../../../../../components/ui/label";
import { Switch } from "../../../../../../components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import type { ProviderView } from "../../../../../../server/modules/auth/oauth";
import { providerInput } from "../../../../../../server/modules/auth/schema";
import { useProject } from "../../project-context";
import { useAuthEndpoints } from "../../use-auth";

type Kind = ProviderView["kind"];

/** The presets: what the form starts with for each kind. */
const PRESETS: Record<Kind, { name: string; displayName: string; scopes: string; icon: LucideIcon }> = {
  google: { name: "google", displayName: "Google", scopes: "openid email profile", icon: Globe },
  microsoft: { name: "microsoft", displayName: "Microsoft", scopes: "openid email profile", icon: Building2 },
  github: { name: "github", displayName: "GitHub", scopes: "read:user user:email", icon: KeyRound },
  oidc: { name: "", displayName: "", scopes: "openid email profile", icon: KeyRound },
};
const KINDS: Kind[] = ["google", "microsoft", "github", "oidc"];

/**
 * The form's flat text fields, turned into the server's provider input (a union by kind) and checked
 * with its schema. A new provider needs its client secret; an edited one keeps the stored secret when the field is left empty.
 */
const providerForm = (secretRequired: boolean) =>
  z
    .object({
      kind: z.enum(["oidc", "google", "microsoft", "github"]),
      name: z.string(),
      displayName: z.string(),
      clientId: z.string(),
      clientSecret: secretRequired ? z.string().min(1) : z.string(),
      issuer: z.string(),
      tenant: z.string(),
      baseUrl: z.string(),
      scopes: z.string(),
      enabled: z.boolean(),
    })
    .transform((v): z.input<typeof providerInput> => {
      const common = {
        name: v.name,
        displayName: v.displayName,
        clientId: v.clientId,
        clientSecret: v.clientSecret === "" ? undefined : v.clientSecret,
        scopes: v.scopes,
        enabled: v.enabled,
      };
      switch (v.kind) {
        case "oidc":
          return { kind: v.kind, ...common, issuer: v.issuer.trim() };
        case "microsoft":
          return { kind: v.kind, ...common, tenant: v.tenant.trim() };
        case "github":
          return { kind: v.kind, ...common, baseUrl: v.baseUrl.trim() === "" ? undefined : v.baseUrl.trim() };
        case "google":
          return { kind: v.kind, ...common };
      }
    })
    .pipe(providerInput);

function useKindLabel() {
  const { t } = useI18n();
  return (kind: Kind) => t(`providers.kind_${kind}`);
}

function ProviderDialog({ kind, provider, onClose }: { kind: Kind; provider: ProviderView | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const endpoints = useAuthEndpoints();
  const kindLabel = useKindLabel();
  const preset = PRESETS[kind];
  const form = useZodForm(
    providerForm(provider === null),
    {
      kind,
      name: provider?.name ?? preset.name,
      displayName: provider?.displayName ?? preset.displayName,
      clientId: provider?.clientId ?? "",
      clientSecret: "",
      issuer: provider?.kind === "oidc" ? (provider.issuer ?? "") : "",
      tenant: provider?.options.tenant ?? "",
      baseUrl: provider?.options.baseUrl ?? "",
      scopes: provider?.scopes ?? preset.scopes,
      enabled: provider?.enabled ?? true,
    },
    { hints: { name: "providers.nameRules", tenant: "providers.tenantRules" } },
  );
  const done = async (message: string) => {
    toast.success(message);
    await queryClient.invalidateQueries({ queryKey: trpc.auth.providers.list.queryKey({ project: ref }) });
  };
  const create = useMutation(
    trpc.auth.providers.create.mutationOptions({ onSuccess: (p) => done(t("providers.created", { name: p.displayName })) }),
  );
  const update = useMutation(
    trpc.auth.providers.update.mutationOptions({ onSuccess: (p) => done(t("providers.saved", { name: p.displayName })) }),
  );
  const v = form.values;
  const startUrl = endpoints.data && v.name.trim() ? `${endpoints.data.restBase}/oauth/${v.name.trim().toLowerCase()}/start` : null;
  return (
    <FormDialog
      form={form}
      title={provider ? t("providers.editTitle", { name: provider.displayName }) : t("providers.createTitle", { kind: kindLabel(kind) })}
      description={t(`providers.help_${kind}`)}
      submitLabel={provider ? t("common.save") : t("providers.create")}
      className="sm:max-w-2xl"
      contentProps={{
        // The callback URL's copy button comes first; typing starts in the display name.
        onOpenAutoFocus: (e) => {
          e.preventDefault();
          document.getElementById("field-displayName")?.focus();
        },
      }}
      serverErrors={{
        codes: { oauth_provider_name_taken: "name" },
        fieldFor: (info) =>
          info.code === "oauth_provider_invalid"
            ? String(info.details.reason ?? "").startsWith("baseUrl")
              ? "baseUrl"
              : "issuer"
            : undefined,
        issuePath: (p) => p.replace(/^provider\./, ""),
      }}
      onSubmit={(d) =>
        provider
          ? update.mutateAsync({ project: ref, providerId: provider.id, provider: d })
          : create.mutateAsync({ project: ref, provider: d })
      }
      onClose={onClose}
    >
      {endpoints.data && (
        <CopyField
          label={t("providers.callbackUrl")}
          value={endpoints.data.callbackUrl}
          hint={t("providers.callbackHint")}
          testId="provider-dialog-callback"
        />
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id="field-displayName"
          label={t("providers.displayName")}
          error={form.errors.displayName}
          hint={t("providers.displayNameHint")}
        >
          <Input {...form.text("displayName")} />
        </Field>
        <Field
          id="field-name"
          label={t("providers.name")}
          error={form.errors.name}
          hint={startUrl ? <span className="break-all">{t("providers.nameHint", { url: startUrl })}</span> : undefined}
        >
          <Input {...form.text("name")} className="font-mono" spellCheck={false} autoComplete="off" />
        </Field>
        {kind === "oidc" && (
          <Field
            id="field-issuer"
            label={t("providers.issuer")}
            error={form.errors.issuer}
            hint={t("providers.issuerHint")}
            className="sm:col-span-2"
          >
            <Input {...form.text("issuer")} placeholder="https://idp.example.com/realms/main" spellCheck={false} />
          </Field>
        )}
        {kind === "microsoft" && (
          <Field
            id="field-tenant"
            label={t("providers.tenant")}
            error={form.errors.tenant}
            hint={t("providers.tenantHint")}
            className="sm:col-span-2"
          >
            <Input {...form.text("tenant")} placeholder="00000000-0000-0000-0000-000000000000" className="font-mono" spellCheck={false} />
          </Field>
        )}
        {kind === "github" && (
          <Field
            id="field-baseUrl"
            label={t("providers.baseUrl")}
            error={form.errors.baseUrl}
            hint={t("providers.baseUrlHint")}
            className="sm:col-span-2"
          >
            <Input {...form.text("baseUrl")} placeholder="https://github.example.com" spellCheck={false} />
          </Field>
        )}
        <Field id="field-clientId" label={t("providers.clientId")} error={form.errors.clientId}>
          <Input {...form.text("clientId")} spellCheck={false} autoComplete="off" className="font-mono" />
        </Field>
        <StoredSecretField
          form={form}
          name="clientSecret"
          label={t("providers.clientSecret")}
          stored={provider !== null}
          hint={provider ? t("providers.keepSecret") : t("providers.secretHint")}
        />
        <Field id="field-scopes" label={t("providers.scopes")} error={form.errors.scopes} className="sm:col-span-2">
          <Input {...form.text("scopes")} spellCheck={false} className="font-mono" />
        </Field>
      </div>
      <div className="flex items-center gap-3">
        <Switch id="field-enabled" checked={v.enabled} onCheckedChange={(c) => form.set("enabled", c)} />
        <Label htmlFor="field-enabled" className="font-normal">
          {t("providers.enabledLabel")}
        </Label>
      </div>
    </FormDialog>
  );
}

function DeleteProvider({ provider, onClose }: { provider: ProviderView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const remove = useMutation(
    trpc.auth.providers.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("providers.deleted", { name: provider.displayName }));
        await queryClient.invalidateQueries({ queryKey: trpc.auth.providers.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("providers.deleteTitle", { name: provider.displayName })}
      description={t("providers.deleteBody")}
      onConfirm={() => remove.mutateAsync({ project: ref, providerId: provider.id })}
      onClose={onClose}
    />
  );
}

/** "Add provider" as a menu of the presets and generic OIDC. */
function AddProvider({ onPick }: { onPick: (kind: Kind) => void }) {
  const { t } = useI18n();
  const kindLabel = useKindLabel();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button data-testid="add-provider">
          <Plus />
          {t("providers.add")}
          <ChevronDown />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        {KINDS.map((k) => {
          const Icon = PRESETS[k].icon;
          return (
            <DropdownMenuItem key={k} onSelect={() => onPick(k)}>
              <Icon />
              {kindLabel(k)}
            </DropdownMenuItem>
          );
        })}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export default function ProvidersPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const kindLabel = useKindLabel();
  const endpoints = useAuthEndpoints();
  const providers = useQuery(trpc.auth.providers.list.queryOptions({ project: ref }));
  const [editing, setEditing] = useState<{ kind: Kind; provider: ProviderView | null } | null>(null);
  const [deleting, setDeleting] = useState<ProviderView | null>(null);
  const manage = can("auth:configure") && !project.archived;
  const sorted = useMemo(() => providers.data ?? [], [providers.data]);
  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle>{t("providers.callbackUrl")}</CardTitle>
          <CardDescription>{t("providers.callbackDescription")}</CardDescription>
        </CardHeader>
        <CardContent>
          {endpoints.isPending ? (
            <LoadingRows count={1} />
          ) : endpoints.isError ? (
            <QueryError error={endpoints.error} onRetry={() => endpoints.refetch()} />
          ) : (
            <CopyField label={t("providers.redirectUri")} value={endpoints.data.callbackUrl} testId="oauth-callback" />
          )}
        </CardContent>
      </Card>
      <QueryCard
        query={providers}
        header={
          <CardHeader className="flex flex-row items-start justify-between gap-4 border-b py-5">
            <div className="grid gap-1">
              <CardTitle>{t("providers.title")}</CardTitle>
              <CardDescription>{t("providers.description")}</CardDescription>
            </div>
            {manage && sorted.length > 0 && <AddProvider onPick={(kind) => setEditing({ kind, provider: null })} />}
          </CardHeader>
        }
        empty={
          sorted.length === 0 && (
            <>
              <EmptyState
                icon={KeyRound}
                title={t("providers.emptyTitle")}
                body={manage ? t("providers.emptyBody") : t("providers.emptyBodyReadOnly")}
              />
              {manage && (
                <div className="grid gap-3 sm:grid-cols-4" data-testid="provider-presets">
                  {KINDS.map((k) => {
                    const Icon = PRESETS[k].icon;
                    return (
                      <Button
                        key={k}
                        variant="outline"
                        className="h-auto flex-col gap-2 py-4"
                        onClick={() => setEditing({ kind: k, provider: null })}
                      >
                        <Icon className="size-5" />
                        {kindLabel(k)}
                      </Button>
                    );
                  })}
                </div>
              )}
            </>
          )
        }
      >
        {() => (
          <Table data-testid="providers-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("providers.provider")}</TableHead>
                <TableHead>{t("providers.kind")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("providers.clientId")}</TableHead>
                <TableHead>{t("providers.status")}</TableHead>
                {manage && <ActionsHead />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {sorted.map((p) => {
                const Icon = PRESETS[p.kind].icon;
                return (
                  <TableRow key={p.id} data-testid={`provider-${p.name}`}>
                    <TableCell className="pl-5">
                      <div className="flex items-center gap-3">
                        <Icon className="size-4 text-muted-foreground" />
                        <div className="min-w-0">
                          <p className="font-medium">{p.displayName}</p>
                          <p className="truncate font-mono text-xs text-muted-foreground">{p.name}</p>
                        </div>
                      </div>
                    </TableCell>
                    <TableCell>
                      <Badge variant="outline">{kindLabel(p.kind)}</Badge>
                    </TableCell>
                    <TableCell className="hidden max-w-48 truncate font-mono text-xs md:table-cell" title={p.clientId}>
                      {p.clientId}
                    </TableCell>
                    <TableCell>
                      {p.enabled ? (
                        <Badge variant="success">{t("providers.enabled")}</Badge>
                      ) : (
                        <Badge variant="outline">{t("providers.disabled")}</Badge>
                      )}
                    </TableCell>
                    {manage && (
                      <TableCell>
                        <EditDeleteMenu
                          label={t("providers.actionsFor", { name: p.displayName })}
                          onEdit={() => setEditing({ kind: p.kind, provider: p })}
                          onDelete={() => setDeleting(p)}
                        />
                      </TableCell>
                    )}
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {editing && <ProviderDialog kind={editing.kind} provider={editing.provider} onClose={() => setEditing(null)} />}
      {deleting && <DeleteProvider provider={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}
