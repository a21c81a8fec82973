"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowDownLeft, ArrowUpRight, Plus, Share2 } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { formatDate } from "../../../../../components/console/format";
import { ActionsHead } from "../../../../../components/console/row-actions";
import { EmptyState, LoadingRows, PageHeader, QueryError } from "../../../../../components/console/states";
import type { MessageKey } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Input } from "../../../../../components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { grantInput } from "../../../../../server/modules/projects/schema";
import type { GrantView } from "../../../../../server/modules/projects/service";
import { useProject } from "../project-context";

const grantForm = grantInput.omit({ project: true });
const kindKey = (kind: string) => `sharing.kind_${kind}` as MessageKey;

function useKindLabel() {
  const { t } = useI18n();
  return (kind: string) => {
    const text = t(kindKey(kind));
    return text === kindKey(kind) ? kind : text;
  };
}

function GrantDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, project } = useProject();
  const kindLabel = useKindLabel();
  const projects = useQuery(trpc.projects.list.queryOptions());
  const kinds = useQuery(trpc.projects.resourceKinds.queryOptions());
  const form = useZodForm(grantForm, { grantee: "", resourceKind: "user_pool", resourceName: "default", access: "read" });
  const grant = useMutation(
    trpc.projects.grant.mutationOptions({
      onSuccess: async (g) => {
        toast.success(t("sharing.granted", { project: g.granteeSlug }));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.grants.queryKey({ project: ref }) });
      },
    }),
  );
  const others = (projects.data ?? []).filter((p) => p.id !== project.id);
  return (
    <FormDialog
      form={form}
      title={t("sharing.grantTitle")}
      description={t("sharing.grantDescription", { project: project.name })}
      submitLabel={t("sharing.grant")}
      serverErrors={{ codes: { grantee_not_found: "grantee", resource_not_found: "resourceName" } }}
      onSubmit={(d) => grant.mutateAsync({ project: ref, ...d })}
      onClose={onClose}
    >
      <Field
        id="field-grantee"
        label={t("sharing.grantee")}
        error={form.errors.grantee}
        hint={others.length === 0 && projects.data ? t("sharing.noOtherProjects") : undefined}
      >
        <Select value={form.values.grantee} onValueChange={(v) => form.set("grantee", v)} name="grantee">
          <SelectTrigger id="field-grantee" className="w-full" aria-invalid={form.errors.grantee ? true : undefined}>
            <SelectValue placeholder={t("sharing.chooseProject")} />
          </SelectTrigger>
          <SelectContent>
            {others.map((p) => (
              <SelectItem key={p.id} value={p.slug}>
                {p.name} <span className="font-mono text-xs text-muted-foreground">{p.slug}</span>
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="field-resourceKind" label={t("sharing.kind")} error={form.errors.resourceKind}>
          <Select value={form.values.resourceKind} onValueChange={(v) => form.set("resourceKind", v)} name="resourceKind">
            <SelectTrigger id="field-resourceKind" className="w-full">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {(kinds.data ?? [form.values.resourceKind]).map((k) => (
                <SelectItem key={k} value={k}>
                  {kindLabel(k)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <Field id="field-resourceName" label={t("sharing.resource")} error={form.errors.resourceName}>
          <Input {...form.text("resourceName")} className="font-mono" />
        </Field>
      </div>
      <Field id="field-access" label={t("sharing.access")}>
        <Select value={form.values.access} onValueChange={(v) => form.set("access", v as "read" | "read_write")} name="access">
          <SelectTrigger id="field-access" className="w-full">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="read">{t("sharing.read")}</SelectItem>
            <SelectItem value="read_write">{t("sharing.readWrite")}</SelectItem>
          </SelectContent>
        </Select>
      </Field>
    </FormDialog>
  );
}

function GrantTable({
  grants,
  direction,
  onRevoke,
}: {
  grants: GrantView[];
  direction: "given" | "received";
  onRevoke?: (g: GrantView) => void;
}) {
  const { t, locale } = useI18n();
  const kindLabel = useKindLabel();
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>{direction === "given" ? t("sharing.grantee") : t("sharing.owner")}</TableHead>
          <TableHead>{t("sharing.resource")}</TableHead>
          <TableHead>{t("sharing.access")}</TableHead>
          <TableHead className="hidden md:table-cell">{t("sharing.since")}</TableHead>
          {onRevoke && <ActionsHead className="w-20" />}
        </TableRow>
      </TableHeader>
      <TableBody>
        {grants.map((g) => {
          const other = direction === "given" ? g.granteeSlug : g.projectSlug;
          return (
            <TableRow key={g.id}>
              <TableCell>
                <Link href={`/projects/${encodeURIComponent(other)}`} className="font-mono text-sm hover:underline">
                  {other}
                </Link>
              </TableCell>
              <TableCell>
                <span className="text-muted-foreground">{kindLabel(g.resourceKind)}</span> <code className="text-xs">{g.resourceName}</code>
              </TableCell>
              <TableCell>
                <Badge variant={g.access === "read_write" ? "secondary" : "outline"}>
                  {g.access === "read_write" ? t("sharing.readWrite") : t("sharing.read")}
                </Badge>
              </TableCell>
              <TableCell className="hidden text-muted-foreground md:table-cell">{formatDate(g.createdAt, locale)}</TableCell>
              {onRevoke && (
                <TableCell>
                  <Button variant="ghost" size="sm" onClick={() => onRevoke(g)}>
                    {t("sharing.revoke")}
                  </Button>
                </TableCell>
              )}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

export default function SharingPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can } = useProject();
  const grants = useQuery(trpc.projects.grants.queryOptions({ project: ref }));
  const [granting, setGranting] = useState(false);
  const [revoking, setRevoking] = useState<GrantView | null>(null);
  const revoke = useMutation(
    trpc.projects.revokeGrant.mutationOptions({
      onSuccess: async () => {
        toast.success(t("sharing.revoked"));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.grants.queryKey({ project: ref }) });
      },
    }),
  );
  const manage = can("grants:manage");
  const grantButton = manage ? (
    <Button onClick={() => setGranting(true)} data-testid="grant-access">
      <Plus />
      {t("sharing.new")}
    </Button>
  ) : undefined;
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader title={t("sharing.title")} description={t("sharing.subtitle")} actions={grantButton} />
      {grants.isPending ? (
        <LoadingRows count={4} />
      ) : grants.isError ? (
        <QueryError error={grants.error} onRetry={() => grants.refetch()} />
      ) : (
        <>
          <Card>
            <CardHeader>
              <CardTitle className="flex items-center gap-2">
                <ArrowUpRight className="size-4 text-muted-foreground" />
                {t("sharing.given")}
              </CardTitle>
              <CardDescription>{t("sharing.givenDescription")}</CardDescription>
            </CardHeader>
            <CardContent>
              {grants.data.given.length === 0 ? (
                <EmptyState
                  icon={Share2}
                  title={t("sharing.noneGiven")}
                  body={manage ? t("sharing.noneGivenBody") : undefined}
                  action={grantButton}
                />
              ) : (
                <GrantTable grants={grants.data.given} direction="given" onRevoke={manage ? setRevoking : undefined} />
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle className="flex items-center gap-2">
                <ArrowDownLeft className="size-4 text-muted-foreground" />
                {t("sharing.received")}
              </CardTitle>
              <CardDescription>{t("sharing.receivedDescription")}</CardDescription>
            </CardHeader>
            <CardContent>
              {grants.data.received.length === 0 ? (
                <p className="py-4 text-center text-sm text-muted-foreground">{t("sharing.noneReceived")}</p>
              ) : (
                <GrantTable grants={grants.data.received} direction="received" />
              )}
            </CardContent>
          </Card>
        </>
      )}
      {granting && <GrantDialog onClose={() => setGranting(false)} />}
      {revoking && (
        <ConfirmDelete
          title={t("sharing.revokeTitle")}
          description={t("sharing.revokeBody", { project: revoking.granteeSlug, resource: revoking.resourceName })}
          confirmLabel={t("sharing.revoke")}
          onConfirm={() => revoke.mutateAsync({ project: ref, grantId: revoking.id })}
          onClose={() => setRevoking(null)}
        />
      )}
    </div>
  );
}
