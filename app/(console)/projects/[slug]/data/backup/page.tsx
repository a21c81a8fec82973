"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, CheckCircle2, Download, Upload } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { errorInfo } from "../../../../../../components/console/errors";
import { Field } from "../../../../../../components/console/form";
import { slugFromName } from "../../../../../../components/console/format";
import { PageHeader } from "../../../../../../components/console/states";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../../../../../../components/ui/alert";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Input } from "../../../../../../components/ui/input";
import { RequirePermission, useProject } from "../../project-context";

interface ImportSummary {
  project: string;
  version: number;
  collections: number;
  records: number;
}

interface UploadError {
  code: string;
  message: string;
}

/**
 * Sends an archive to the import endpoint with the console session, reporting upload progress
 * (fetch cannot report it; XMLHttpRequest can). Resolves with the summary or the server's error.
 */
function uploadArchive(slug: string, file: File, locale: string, onProgress: (fraction: number) => void): Promise<ImportSummary> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/admin/projects/${encodeURIComponent(slug)}/import`);
    xhr.withCredentials = true;
    xhr.setRequestHeader("content-type", "application/gzip");
    xhr.setRequestHeader("accept-language", locale);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: { error?: UploadError } | ImportSummary | null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body as ImportSummary);
      const error = (body as { error?: UploadError } | null)?.error;
      reject({ code: error?.code ?? `http_${xhr.status}`, message: error?.message ?? `HTTP ${xhr.status}` } satisfies UploadError);
    };
    xhr.onerror = () => reject({ code: "network_error", message: "network error" } satisfies UploadError);
    xhr.send(file);
  });
}

function ExportCard() {
  const { t } = useI18n();
  const { ref } = useProject();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("backup.exportTitle")}</CardTitle>
        <CardDescription>{t("backup.exportDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {/* A plain link: the browser streams the archive straight to a file (the server names it). */}
        <Button asChild data-testid="download-export">
          <a href={`/api/v1/admin/projects/${encodeURIComponent(ref)}/export`} download>
            <Download />
            {t("backup.download")}
          </a>
        </Button>
      </CardContent>
    </Card>
  );
}

function RestoreCard() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  /** The project made for this archive: a failed upload retries into it instead of making another. */
  const [target, setTarget] = useState<{ slug: string; name: string } | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<{ slug: string; summary: ImportSummary } | null>(null);
  const [failure, setFailure] = useState<UploadError | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const create = useMutation(trpc.projects.create.mutationOptions());
  const busy = create.isPending || progress !== null;

  async function restore() {
    if (!file) return;
    setFailure(null);
    setNameError(null);
    setResult(null);
    let project = target;
    if (!project) {
      try {
        const made = await create.mutateAsync({ name: name.trim(), slug: slug.trim() });
        project = { slug: made.slug, name: made.name };
        setTarget(project);
        await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
      } catch (e) {
        setNameError(errorInfo(e).message);
        return;
      }
    }
    setProgress(0);
    try {
      const summary = await uploadArchive(project.slug, file, locale, setProgress);
      setResult({ slug: project.slug, summary });
      setTarget(null);
      setFile(null);
    } catch (e) {
      setFailure(e as UploadError);
    } finally {
      setProgress(null);
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("backup.restoreTitle")}</CardTitle>
        <CardDescription>{t("backup.restoreDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="flex max-w-lg flex-col gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void restore();
          }}
        >
          <Field id="restore-file" label={t("backup.file")} hint={t("backup.fileHint")}>
            <Input
              id="restore-file"
              type="file"
              accept=".gz,application/gzip"
              data-testid="restore-file"
              disabled={busy}
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setFailure(null);
              }}
            />
          </Field>
          <Field id="restore-name" label={t("backup.newName")} error={nameError ?? undefined}>
            <Input
              id="restore-name"
              value={target?.name ?? name}
              data-testid="restore-name"
              disabled={busy || target !== null}
              onChange={(e) => {
                setName(e.target.value);
                if (!slugEdited) setSlug(slugFromName(e.target.value));
              }}
            />
          </Field>
          <Field id="restore-slug" label={t("backup.newSlug")}>
            <Input
              id="restore-slug"
              value={target?.slug ?? slug}
              data-testid="restore-slug"
              className="font-mono"
              spellCheck={false}
              autoCapitalize="off"
              disabled={busy || target !== null}
              onChange={(e) => {
                setSlugEdited(true);
                setSlug(e.target.value);
              }}
            />
          </Field>
          {progress !== null && (
            <div className="flex flex-col gap-1" data-testid="upload-progress">
              <div
                className="h-2 w-full overflow-hidden rounded-full bg-muted"
                role="progressbar"
                aria-label={t("backup.uploading")}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(progress * 100)}
              >
                <div className="h-full bg-primary transition-[width]" style={{ width: `${Math.round(progress * 100)}%` }} />
              </div>
              <p className="text-xs text-muted-foreground">
                {progress < 1 ? t("backup.uploadingPercent", { percent: Math.round(progress * 100) }) : t("backup.importing")}
              </p>
            </div>
          )}
          {failure && (
            <Alert variant="destructive" data-testid="restore-error" data-code={failure.code}>
              <AlertCircle />
              <AlertTitle>{t("backup.failed")}</AlertTitle>
              <AlertDescription>
                <p>{failure.message}</p>
                {target && <p>{t("backup.retryHint", { slug: target.slug })}</p>}
              </AlertDescription>
            </Alert>
          )}
          {result && (
            <Alert data-testid="restore-result">
              <CheckCircle2 />
              <AlertTitle>{t("backup.restored", { slug: result.slug })}</AlertTitle>
              <AlertDescription>
                <p data-testid="restore-counts">
                  {t("backup.counts", {
                    collections: result.summary.collections,
                    records: result.summary.records,
                    version: result.summary.version,
                  })}
                </p>
                <Link className="underline" href={`/projects/${encodeURIComponent(result.slug)}/data/browser`} data-testid="open-restored">
                  {t("backup.open")}
                </Link>
              </AlertDescription>
            </Alert>
          )}
          <div>
            <Button type="submit" disabled={!file || busy || (!target && (!name.trim() || !slug.trim()))} data-testid="restore-submit">
              <Upload />
              {target ? t("backup.retry") : t("backup.restore")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

export default function BackupPage() {
  const { t } = useI18n();
  return (
    <RequirePermission permission="schema:manage">
      <div className="flex flex-col gap-6">
        <PageHeader title={t("backup.title")} description={t("backup.subtitle")} />
        <ExportCard />
        <RestoreCard />
      </div>
    </RequirePermission>
  );
}
