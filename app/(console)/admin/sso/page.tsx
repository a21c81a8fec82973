"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Plus } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete } from "../../../../components/console/confirm-dialog";
import { CopyButton } from "../../../../components/console/copy-button";
import { Field, useZodForm } from "../../../../components/console/form";
import { FormDialog } from "../../../../components/console/form-dialog";
import { useRoleLabel } from "../../../../components/console/role-name";
import { ActionsHead, EditDeleteMenu } from "../../../../components/console/row-actions";
import { StoredSecretField } from "../../../../components/console/secrets";
import { EmptyState, LoadingRows, PageHeader, QueryCard } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../components/ui/badge";
import { Button } from "../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../components/ui/card";
import { Input } from "../../../../components/ui/input";
import { Label } from "../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../components/ui/select";
import { Switch } from "../../../../components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../components/ui/table";
import { ssoProviderInput } from "../../../../server/modules/accounts/schema";
import type { SsoProviderView } from "../../../../server/modules/accounts/sso";
import { BUILT_IN_ROLES } from "../../../../server/modules/projects/permissions";

const NONE = "__none__";
const shape = ssoProviderInput.shape;
const splitDomains = (text: string) => text.split(/[\s,]+/).filter(Boolean);

// The server's schema, with the fields a form holds as text: domains comma-separated, no-choice selects.
// A new provider needs its client secret; an edited one keeps the stored secret when the field is left empty.
const ssoForm = (secretRequired: boolean) =>
  z.object({
    name: shape.name,
    issuer: shape.issuer,
    clientId: shape.clientId,
    clientSecret: secretRequired ? z.string().min(1).max(1024) : z.string().max(1024),
    scopes: z.string().trim().min(1).max(255),
    claimEmail: z.string().trim().min(1).max(100),
    claimName: z.string().trim().min(1).max(100),
    allowedDomains: z.string().transform(splitDomains).pipe(shape.allowedDomains.unwrap()),
    jitProvisioning: z.boolean(),
    defaultProjectId: z.string(),
    defaultRole: z.string(),
    enabled: z.boolean(),
  });

function ProviderDialog({ provider, onClose }: { provider: SsoProviderView | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const roleLabel = useRoleLabel();
  const projects = useQuery(trpc.projects.list.queryOptions());
  const form = useZodForm(
    ssoForm(provider === null),
    {
      name: provider?.name ?? "",
      issuer: provider?.issuer ?? "",
      clientId: provider?.clientId ?? "",
      clientSecret: "",
      scopes: provider?.scopes ?? "openid email profile",
      claimEmail: provider?.claimMapping.email ?? "email",
      claimName: provider?.claimMapping.name ?? "name",
      allowedDomains: provider?.allowedDomains.join(", ") ?? "",
      jitProvisioning: provider?.jitProvisioning ?? false,
      defaultProjectId: provider?.defaultProjectId ?? NONE,
      defaultRole: provider?.defaultRole ?? "viewer",
      enabled: provider?.enabled ?? true,
    },
    { hints: { allowedDomains: "sso.domainsRules" } },
  );
  const done = async (message: string) => {
    toast.success(message);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.instance.ssoProviders.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.accounts.state.queryKey() }),
    ]);
  };
  const create = useMutation(
    trpc.instance.createSsoProvider.mutationOptions({ onSuccess: (p) => done(t("sso.created", { name: p.name })) }),
  );
  const update = useMutation(trpc.instance.updateSsoProvider.mutationOptions({ onSuccess: (p) => done(t("sso.saved", { name: p.name })) }));
  const v = form.values;
  return (
    <FormDialog
      form={form}
      title={provider ? t("sso.editTitle", { name: provider.name }) : t("sso.createTitle")}
      description={t("sso.dialogDescription")}
      submitLabel={provider ? t("common.save") : t("sso.create")}
      className="sm:max-w-2xl"
      onSubmit={(d) => {
        const input = {
          name: d.name,
          issuer: d.issuer,
          clientId: d.clientId,
          clientSecret: d.clientSecret === "" ? undefined : d.clientSecret,
          scopes: d.scopes,
          claimMapping: { email: d.claimEmail, name: d.claimName },
          allowedDomains: d.allowedDomains,
          jitProvisioning: d.jitProvisioning,
          defaultProjectId: d.jitProvisioning && d.defaultProjectId !== NONE ? d.defaultProjectId : null,
          defaultRole: d.jitProvisioning && d.defaultProjectId !== NONE ? d.defaultRole : null,
          enabled: d.enabled,
        };
        return provider ? update.mutateAsync({ id: provider.id, provider: input }) : create.mutateAsync(input);
      }}
      onClose={onClose}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="field-name" label={t("sso.name")} error={form.errors.name} hint={t("sso.nameHint")}>
          <Input {...form.text("name")} autoFocus />
        </Field>
        <Field id="field-issuer" label={t("sso.issuer")} error={form.errors.issuer} hint={t("sso.issuerHint")}>
          <Input {...form.text("issuer")} placeholder="https://idp.example.com" spellCheck={false} />
        </Field>
        <Field id="field-clientId" label={t("sso.clientId")} error={form.errors.clientId}>
          <Input {...form.text("clientId")} spellCheck={false} autoComplete="off" />
        </Field>
        <StoredSecretField
          form={form}
          name="clientSecret"
          label={t("sso.clientSecret")}
          stored={provider !== null}
          hint={provider ? t("sso.keepSecret") : t("sso.secretHint")}
        />
        <Field id="field-scopes" label={t("sso.scopes")} error={form.errors.scopes}>
          <Input {...form.text("scopes")} spellCheck={false} />
        </Field>
        <Field id="field-allowedDomains" label={t("sso.domains")} error={form.errors.allowedDomains} hint={t("sso.domainsHint")}>
          <Input {...form.text("allowedDomains")} placeholder="example.com" spellCheck={false} />
        </Field>
        <Field id="field-claimEmail" label={t("sso.claimEmail")} error={form.errors.claimEmail}>
          <Input {...form.text("claimEmail")} spellCheck={false} />
        </Field>
        <Field id="field-claimName" label={t("sso.claimName")} error={form.errors.claimName}>
          <Input {...form.text("claimName")} spellCheck={false} />
        </Field>
      </div>
      <div className="flex items-start gap-3">
        <Switch id="field-jit" checked={v.jitProvisioning} onCheckedChange={(c) => form.set("jitProvisioning", c)} />
        <div className="grid gap-1">
          <Label htmlFor="field-jit">{t("sso.jit")}</Label>
          <p className="text-xs text-muted-foreground">{t("sso.jitHint")}</p>
        </div>
      </div>
      {v.jitProvisioning && (
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="grid gap-1.5">
            <Label htmlFor="field-defaultProjectId">{t("sso.defaultProject")}</Label>
            <Select value={v.defaultProjectId} onValueChange={(p) => form.set("defaultProjectId", p)}>
              <SelectTrigger id="field-defaultProjectId" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={NONE}>{t("sso.noProject")}</SelectItem>
                {(projects.data ?? []).map((p) => (
                  <SelectItem key={p.id} value={p.id}>
                    {p.name}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="field-defaultRole">{t("sso.defaultRole")}</Label>
            <Select value={v.defaultRole} onValueChange={(r) => form.set("defaultRole", r)} disabled={v.defaultProjectId === NONE}>
              <SelectTrigger id="field-defaultRole" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {BUILT_IN_ROLES.filter((r) => r !== "owner").map((r) => (
                  <SelectItem key={r} value={r}>
                    {roleLabel(r)}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
        </div>
      )}
      <div className="flex items-center gap-3">
        <Switch id="field-enabled" checked={v.enabled} onCheckedChange={(c) => form.set("enabled", c)} />
        <Label htmlFor="field-enabled" className="font-normal">
          {t("sso.enabledLabel")}
        </Label>
      </div>
    </FormDialog>
  );
}

function DeleteProvider({ provider, onClose }: { provider: SsoProviderView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.instance.deleteSsoProvider.mutationOptions({
      onSuccess: async () => {
        toast.success(t("sso.deleted", { name: provider.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.instance.ssoProviders.queryKey() });
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("sso.deleteTitle", { name: provider.name })}
      description={t("sso.deleteBody")}
      onConfirm={() => remove.mutateAsync({ id: provider.id })}
      onClose={onClose}
    />
  );
}

export default function SsoPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const providers = useQuery(trpc.instance.ssoProviders.queryOptions());
  const settings = useQuery(trpc.instance.settings.queryOptions());
  const [editing, setEditing] = useState<SsoProviderView | "new" | null>(null);
  const [deleting, setDeleting] = useState<SsoProviderView | null>(null);
  const callback = settings.data ? `${settings.data.publicUrl}/api/v1/admin/sso/callback` : null;
  const addButton = (
    <Button onClick={() => setEditing("new")} data-testid="add-sso">
      <Plus />
      {t("sso.new")}
    </Button>
  );
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader
        title={t("sso.title")}
        description={t("sso.subtitle")}
        actions={providers.data && providers.data.length > 0 ? addButton : undefined}
      />
      <Card>
        <CardHeader>
          <CardTitle>{t("sso.callback")}</CardTitle>
          <CardDescription>{t("sso.callbackDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="flex items-center gap-2">
          {callback ? (
            <>
              <code className="min-w-0 flex-1 rounded-md bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="sso-callback">
                {callback}
              </code>
              <CopyButton value={callback} />
            </>
          ) : settings.isError ? (
            <p className="text-sm text-destructive">{settings.error.message}</p>
          ) : (
            <LoadingRows count={1} className="w-full" />
          )}
        </CardContent>
      </Card>
      <QueryCard
        query={providers}
        empty={
          providers.data?.length === 0 && (
            <EmptyState icon={KeyRound} title={t("sso.emptyTitle")} body={t("sso.emptyBody")} action={addButton} />
          )
        }
      >
        {(data) => (
          <Table data-testid="sso-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("sso.name")}</TableHead>
                <TableHead>{t("sso.issuer")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("sso.clientId")}</TableHead>
                <TableHead>{t("accounts.status")}</TableHead>
                <ActionsHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((p) => (
                <TableRow key={p.id}>
                  <TableCell className="pl-5 font-medium">{p.name}</TableCell>
                  <TableCell className="max-w-64 truncate font-mono text-xs">{p.issuer}</TableCell>
                  <TableCell className="hidden max-w-40 truncate font-mono text-xs md:table-cell">{p.clientId}</TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {p.enabled ? (
                        <Badge variant="success">{t("sso.enabled")}</Badge>
                      ) : (
                        <Badge variant="outline">{t("sso.disabled")}</Badge>
                      )}
                      {p.jitProvisioning && <Badge variant="secondary">{t("sso.jitBadge")}</Badge>}
                    </div>
                  </TableCell>
                  <TableCell>
                    <EditDeleteMenu
                      label={t("sso.actionsFor", { name: p.name })}
                      onEdit={() => setEditing(p)}
                      onDelete={() => setDeleting(p)}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {editing && <ProviderDialog provider={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && <DeleteProvider provider={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}
