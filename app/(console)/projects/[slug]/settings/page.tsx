"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Archive, ArchiveRestore, Crown, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete, ConfirmDialog } from "../../../../../components/console/confirm-dialog";
import { Field, useZodForm } from "../../../../../components/console/form";
import { LoadingRows, PageHeader, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Input } from "../../../../../components/ui/input";
import { Label } from "../../../../../components/ui/label";
import { Textarea } from "../../../../../components/ui/textarea";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { projectNameSchema, slugSchema } from "../../../../../server/modules/projects/schema";
import { useProject } from "../project-context";

const generalForm = z.object({ name: projectNameSchema, slug: slugSchema });

function General() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { project, ref, can } = useProject();
  const form = useZodForm(generalForm, { name: project.name, slug: project.slug }, { hints: { slug: "projects.slugRules" } });
  const update = useMutation(
    trpc.projects.update.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(t("settings.saved"));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
        if (updated.slug !== ref) {
          queryClient.setQueryData(trpc.projects.get.queryKey({ project: updated.slug }), { ...project, ...updated });
          router.replace(`/projects/${encodeURIComponent(updated.slug)}/settings`);
        } else await queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ project: ref }) });
      },
      onError: (e) => form.showError(e, { codes: { slug_taken: "slug" } }),
    }),
  );
  const editable = can("project:update") && !project.archived;
  const dirty = form.values.name.trim() !== project.name || form.values.slug.trim() !== project.slug;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.general")}</CardTitle>
        <CardDescription>{t("settings.generalDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          ref={form.formRef}
          noValidate
          className="flex max-w-lg flex-col gap-4"
          onSubmit={form.submit((d) =>
            update.mutate({
              project: ref,
              ...(d.name !== project.name ? { name: d.name } : {}),
              ...(d.slug !== project.slug ? { slug: d.slug } : {}),
            }),
          )}
        >
          <Field id="field-name" label={t("projects.name")} error={form.errors.name}>
            <Input {...form.text("name")} disabled={!editable} />
          </Field>
          <Field id="field-slug" label={t("projects.slug")} error={form.errors.slug} hint={t("settings.slugWarning")}>
            <Input {...form.text("slug")} disabled={!editable} className="font-mono" spellCheck={false} />
          </Field>
          {editable && (
            <Button type="submit" className="self-start" disabled={update.isPending || !dirty}>
              {t("common.save")}
            </Button>
          )}
        </form>
      </CardContent>
    </Card>
  );
}

function ArchiveCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { project, ref } = useProject();
  const archive = useMutation(
    trpc.projects.setArchived.mutationOptions({
      onSuccess: async (_r, input) => {
        toast.success(input.archived ? t("settings.archivedToast") : t("settings.unarchivedToast"));
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ project: ref }) }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
        ]);
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{project.archived ? t("settings.unarchive") : t("settings.archive")}</CardTitle>
        <CardDescription>{project.archived ? t("settings.unarchiveDescription") : t("settings.archiveDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <Button
          variant="outline"
          onClick={() => archive.mutate({ project: ref, archived: !project.archived })}
          disabled={archive.isPending}
          data-testid="archive-toggle"
        >
          {project.archived ? <ArchiveRestore /> : <Archive />}
          {project.archived ? t("settings.unarchive") : t("settings.archive")}
        </Button>
      </CardContent>
    </Card>
  );
}

function TransferCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { project, ref } = useProject();
  const members = useQuery(trpc.projects.members.queryOptions({ project: ref }));
  const [target, setTarget] = useState<string>("");
  const [confirming, setConfirming] = useState(false);
  const candidates = (members.data ?? []).filter((m) => m.accountId !== project.ownerId);
  const chosen = candidates.find((m) => m.accountId === target);
  const transfer = useMutation(
    trpc.projects.transfer.mutationOptions({
      onSuccess: async () => {
        toast.success(t("settings.transferred", { name: chosen?.name ?? "" }));
        setTarget("");
        await queryClient.invalidateQueries();
      },
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.transfer")}</CardTitle>
        <CardDescription>{t("settings.transferDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor="transfer-target">{t("settings.newOwner")}</Label>
          <Select value={target} onValueChange={setTarget} disabled={candidates.length === 0}>
            <SelectTrigger id="transfer-target" className="w-full">
              <SelectValue placeholder={candidates.length === 0 ? t("settings.noCandidates") : t("settings.chooseMember")} />
            </SelectTrigger>
            <SelectContent>
              {candidates.map((m) => (
                <SelectItem key={m.accountId} value={m.accountId}>
                  {m.name} ({m.email})
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <Button variant="outline" disabled={!chosen} onClick={() => setConfirming(true)}>
          <Crown />
          {t("settings.transferButton")}
        </Button>
      </CardContent>
      {confirming && chosen && (
        <ConfirmDialog
          title={t("settings.transferTitle", { name: chosen.name })}
          description={t("settings.transferBody", { project: project.name })}
          confirmLabel={t("settings.transferButton")}
          onConfirm={() => transfer.mutateAsync({ project: ref, accountId: chosen.accountId })}
          onClose={() => setConfirming(false)}
        />
      )}
    </Card>
  );
}

function DeleteCard() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <Card className="border-destructive/40">
      <CardHeader>
        <CardTitle className="text-destructive">{t("settings.delete")}</CardTitle>
        <CardDescription>{t("settings.deleteDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <Button variant="destructive" onClick={() => setOpen(true)} data-testid="delete-project">
          <Trash2 />
          {t("settings.deleteButton")}
        </Button>
      </CardContent>
      {open && <DeleteProjectDialog onClose={() => setOpen(false)} />}
    </Card>
  );
}

/** Deleting a project asks for its slug to be typed first. */
function DeleteProjectDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { project, ref } = useProject();
  const [typed, setTyped] = useState("");
  const remove = useMutation(
    trpc.projects.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("settings.deleted", { name: project.name }));
        queryClient.removeQueries({ queryKey: trpc.projects.get.queryKey({ project: ref }) });
        await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
        router.push("/projects");
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("settings.deleteTitle", { name: project.name })}
      description={t("settings.deleteBody")}
      confirmLabel={t("settings.deleteButton")}
      confirmDisabled={typed !== project.slug}
      onConfirm={() => remove.mutateAsync({ project: ref, confirm: typed })}
      onClose={onClose}
    >
      <div className="grid gap-1.5">
        <Label htmlFor="delete-confirm">{t("settings.typeSlug", { slug: project.slug })}</Label>
        <Input
          id="delete-confirm"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          className="font-mono"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
    </ConfirmDelete>
  );
}

/** The origins whose browser apps may call the project's public API (CORS), one per line. */
function CorsCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can, project } = useProject();
  const origins = useQuery(trpc.projects.cors.queryOptions({ project: ref }));
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.projects.setCors.mutationOptions({
      onSuccess: async (saved) => {
        toast.success(t("settings.corsSaved"));
        setDraft(null);
        setError(null);
        queryClient.setQueryData(trpc.projects.cors.queryKey({ project: ref }), saved);
      },
      onError: (e) => setError(e.message),
    }),
  );
  const editable = can("project:update") && !project.archived;
  const text = draft ?? (origins.data ?? []).join("\n");
  const list = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.cors")}</CardTitle>
        <CardDescription>{t("settings.corsDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex max-w-lg flex-col gap-3">
        {origins.isPending ? (
          <LoadingRows count={2} />
        ) : origins.isError ? (
          <QueryError error={origins.error} onRetry={() => void origins.refetch()} />
        ) : (
          <form
            noValidate
            className="flex flex-col gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate({ project: ref, origins: list });
            }}
          >
            <Label htmlFor="field-cors">{t("settings.corsOrigins")}</Label>
            <Textarea
              id="field-cors"
              value={text}
              onChange={(e) => setDraft(e.target.value)}
              disabled={!editable}
              rows={4}
              className="font-mono"
              spellCheck={false}
              placeholder="https://app.example.com"
              aria-invalid={error !== null}
              aria-describedby="field-cors-hint"
            />
            <p id="field-cors-hint" className={error ? "text-sm text-destructive" : "text-sm text-muted-foreground"}>
              {error ?? (list.includes("*") ? t("settings.corsAny") : list.length === 0 ? t("settings.corsNone") : t("settings.corsHint"))}
            </p>
            {editable && (
              <Button type="submit" className="self-start" disabled={save.isPending || draft === null}>
                {t("settings.corsSave")}
              </Button>
            )}
          </form>
        )}
      </CardContent>
    </Card>
  );
}

export default function ProjectSettingsPage() {
  const { t } = useI18n();
  const { can } = useProject();
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <PageHeader title={t("settings.title")} description={t("settings.subtitle")} />
      <General />
      <CorsCard />
      {can("project:update") && <ArchiveCard />}
      {can("project:transfer") && <TransferCard />}
      {can("project:delete") && <DeleteCard />}
    </div>
  );
}
