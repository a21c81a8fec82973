"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Archive, History, Undo2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../../components/console/confirm-dialog";
import { formatDateTime } from "../../../../../../components/console/format";
import { ActionsHead } from "../../../../../../components/console/row-actions";
import { EmptyState, LoadingRows, PageHeader, QueryCard, QueryError } from "../../../../../../components/console/states";
import { diffModels, type ModelChange } from "../../../../../../components/designer/model-diff";
import { PlanDialog, StepList, WarningList } from "../../../../../../components/designer/plan-view";
import type { MessageKey } from "../../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../../../../../../components/ui/dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "../../../../../../components/ui/tabs";
import { RequirePermission, useProject } from "../../project-context";

const changeTone: Record<ModelChange["kind"], string> = {
  added: "text-success",
  removed: "text-destructive",
  renamed: "text-primary",
  changed: "text-foreground",
};
const changeMark: Record<ModelChange["kind"], string> = { added: "+", removed: "−", renamed: "→", changed: "~" };

/** The model diff of a version against the one before it. */
function ChangeList({ changes }: { changes: ModelChange[] }) {
  const { t } = useI18n();
  if (changes.length === 0) return <p className="text-sm text-muted-foreground">{t("history.noChanges")}</p>;
  return (
    <ul className="flex flex-col gap-1 font-mono text-sm" data-testid="version-changes">
      {changes.map((c, i) => (
        <li key={i} className={changeTone[c.kind]}>
          <span className="inline-block w-4">{changeMark[c.kind]}</span>
          {c.from ? `${c.from} → ${c.path}` : c.path}
          <span className="ml-2 font-sans text-xs text-muted-foreground">
            {t(`history.change_${c.kind}` as MessageKey)}
            {c.parts ? `: ${c.parts.map((p) => t(`history.part_${p}` as MessageKey)).join(", ")}` : ""}
          </span>
        </li>
      ))}
    </ul>
  );
}

function VersionDetailDialog({
  version,
  canRollback,
  onRollback,
  onClose,
}: {
  version: number;
  canRollback: boolean;
  onRollback(): void;
  onClose(): void;
}) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref } = useProject();
  const detail = useQuery(trpc.data.schema.version.queryOptions({ project: ref, version }));
  const previous = useQuery({ ...trpc.data.schema.version.queryOptions({ project: ref, version: version - 1 }), enabled: version > 1 });
  const changes =
    detail.data && (version === 1 || previous.data)
      ? diffModels(version === 1 ? { collections: [] } : previous.data!.schema, detail.data.schema)
      : null;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent closeLabel={t("common.close")} className="max-h-[90vh] overflow-y-auto sm:max-w-3xl" data-testid="version-detail">
        <DialogHeader>
          <DialogTitle>{t("history.detailTitle", { version })}</DialogTitle>
          <DialogDescription>
            {detail.data
              ? t("history.detailDescription", {
                  author: detail.data.author,
                  time: formatDateTime(detail.data.createdAt, locale),
                  base: detail.data.baseVersion,
                })
              : t("common.loading")}
          </DialogDescription>
        </DialogHeader>
        {detail.isPending ? (
          <LoadingRows count={4} />
        ) : detail.isError ? (
          <QueryError error={detail.error} onRetry={() => detail.refetch()} />
        ) : (
          <div className="flex flex-col gap-4">
            {detail.data.message && <p className="text-sm">{detail.data.message}</p>}
            <WarningList warnings={detail.data.warnings} />
            <Tabs defaultValue="changes">
              <TabsList>
                <TabsTrigger value="changes" data-testid="tab-changes">
                  {t("history.changes")}
                </TabsTrigger>
                <TabsTrigger value="up" data-testid="tab-up">
                  {t("history.upSteps", { count: detail.data.upSteps.length })}
                </TabsTrigger>
                <TabsTrigger value="down" data-testid="tab-down">
                  {t("history.downSteps", { count: detail.data.downSteps.length })}
                </TabsTrigger>
                <TabsTrigger value="model" data-testid="tab-model">
                  {t("history.model")}
                </TabsTrigger>
              </TabsList>
              <TabsContent value="changes" className="pt-3">
                {changes ? (
                  <ChangeList changes={changes} />
                ) : previous.isError ? (
                  <QueryError error={previous.error} onRetry={() => previous.refetch()} />
                ) : (
                  <LoadingRows count={2} />
                )}
              </TabsContent>
              <TabsContent value="up" className="pt-3">
                <StepList steps={detail.data.upSteps} testId="up-steps" />
              </TabsContent>
              <TabsContent value="down" className="pt-3">
                <p className="mb-3 text-xs text-muted-foreground">{t("history.downHint")}</p>
                <StepList steps={detail.data.downSteps} testId="down-steps" />
              </TabsContent>
              <TabsContent value="model" className="pt-3">
                <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 font-mono text-xs" data-testid="version-model">
                  {JSON.stringify(detail.data.schema, null, 2)}
                </pre>
              </TabsContent>
            </Tabs>
          </div>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            {t("common.close")}
          </Button>
          {canRollback && (
            <Button variant="destructive" onClick={onRollback} data-testid="detail-rollback">
              <Undo2 />
              {t("history.rollbackTo", { version })}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function RollbackDialog({ toVersion, baseVersion, onClose }: { toVersion: number; baseVersion: number; onClose(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const preview = useMutation(trpc.data.schema.previewRollback.mutationOptions());
  const rollback = useMutation(
    trpc.data.schema.rollback.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("history.rolledBack", { version: r.version, to: toVersion }));
        await Promise.all([queryClient.invalidateQueries({ queryKey: trpc.data.schema.pathKey() })]);
        onClose();
      },
    }),
  );
  const { mutate } = preview;
  useEffect(() => mutate({ project: ref, toVersion, baseVersion }), [mutate, ref, toVersion, baseVersion]);
  return (
    <PlanDialog
      title={t("history.rollbackTitle", { version: toVersion })}
      description={t("history.rollbackDescription", { version: toVersion, next: baseVersion + 1 })}
      plan={preview.data ?? null}
      error={preview.error ?? rollback.error}
      confirmLabel={t("history.confirmRollback")}
      confirmVariant="destructive"
      pending={rollback.isPending}
      onConfirm={() => rollback.mutate({ project: ref, toVersion, baseVersion })}
      onClose={onClose}
    />
  );
}

function RetainedCard({ manage }: { manage: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const retained = useQuery(trpc.data.schema.retained.queryOptions({ project: ref }));
  const [purging, setPurging] = useState<string[] | "all" | null>(null);
  const purge = useMutation(
    trpc.data.schema.purge.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("history.purged", { count: r.purged }));
        await queryClient.invalidateQueries({ queryKey: trpc.data.schema.retained.queryKey({ project: ref }) });
      },
    }),
  );
  if (!retained.data || retained.data.length === 0) return null;
  return (
    <Card data-testid="retained">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Archive className="size-4" />
          {t("history.retainedTitle")}
        </CardTitle>
        <CardDescription>{t("history.retainedDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <ul className="flex flex-col gap-1 text-sm">
          {retained.data.map((r) => (
            <li key={r.id} className="flex items-center gap-2" data-testid={`retained-${r.collection}${r.field ? `-${r.field}` : ""}`}>
              <span className="font-mono">{r.field ? `${r.collection}.${r.field}` : r.collection}</span>
              <Badge variant="outline">{r.kind === "field" ? t("history.retainedField") : t("history.retainedCollection")}</Badge>
              <span className="text-muted-foreground">
                {t("history.retainedRows", { count: r.rows, version: r.version, time: formatDateTime(r.createdAt, locale) })}
              </span>
              {manage && (
                <Button variant="ghost" size="sm" className="ml-auto text-destructive" onClick={() => setPurging([r.id])}>
                  {t("history.purge")}
                </Button>
              )}
            </li>
          ))}
        </ul>
        {manage && retained.data.length > 1 && (
          <Button variant="outline" size="sm" className="self-start" onClick={() => setPurging("all")}>
            {t("history.purgeAll")}
          </Button>
        )}
      </CardContent>
      {purging && (
        <ConfirmDelete
          title={t("history.purgeTitle")}
          description={t("history.purgeBody")}
          confirmLabel={t("history.purge")}
          onConfirm={() => purge.mutateAsync({ project: ref, ...(purging === "all" ? {} : { ids: purging }) })}
          onClose={() => setPurging(null)}
        />
      )}
    </Card>
  );
}

function MigrationHistory() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const manage = can("schema:manage") && !project.archived;
  const history = useQuery(trpc.data.schema.history.queryOptions({ project: ref, limit: 200 }));
  const [detail, setDetail] = useState<number | null>(null);
  const [rollingBack, setRollingBack] = useState<number | null>(null);
  const latest = history.data?.[0]?.version ?? 0;
  const modelHref = `/projects/${encodeURIComponent(project.slug)}/data/model`;
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader
        title={t("history.title")}
        description={t("history.subtitle")}
        actions={
          <Button asChild variant="outline">
            <Link href={modelHref}>{t("history.openDesigner")}</Link>
          </Button>
        }
      />
      <QueryCard
        query={history}
        loadingRows={4}
        empty={
          history.data?.length === 0 && (
            <EmptyState
              icon={History}
              title={t("history.emptyTitle")}
              body={t("history.emptyBody")}
              action={
                <Button asChild>
                  <Link href={modelHref}>{t("history.openDesigner")}</Link>
                </Button>
              }
            />
          )
        }
      >
        {(data) => (
          <Table data-testid="history-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("history.version")}</TableHead>
                <TableHead>{t("history.kind")}</TableHead>
                <TableHead>{t("history.message")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("history.author")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("history.time")}</TableHead>
                <TableHead>{t("history.steps")}</TableHead>
                <ActionsHead className="w-0" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((v) => (
                <TableRow
                  key={v.version}
                  data-testid={`version-${v.version}`}
                  className="cursor-pointer"
                  onClick={() => setDetail(v.version)}
                >
                  <TableCell className="pl-5 font-mono font-medium">
                    v{v.version}
                    {v.version === latest && (
                      <Badge variant="success" className="ml-2">
                        {t("history.current")}
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell>
                    <Badge variant={v.kind === "rollback" ? "destructive" : "secondary"} data-testid={`kind-${v.version}`}>
                      {v.kind === "rollback" ? t("history.kindRollback") : t("history.kindApply")}
                    </Badge>
                  </TableCell>
                  <TableCell className="max-w-72 truncate" title={v.message ?? ""}>
                    {v.message || <span className="text-muted-foreground">—</span>}
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">{v.author}</TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">{formatDateTime(v.createdAt, locale)}</TableCell>
                  <TableCell>
                    {v.stepCount}
                    {v.warnings.length > 0 && (
                      <Badge variant="outline" className="ml-2">
                        {t("history.warnings", { count: v.warnings.length })}
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="pr-5 text-right whitespace-nowrap">
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={(e) => (e.stopPropagation(), setDetail(v.version))}
                      data-testid={`view-${v.version}`}
                    >
                      {t("history.view")}
                    </Button>
                    {manage && v.version !== latest && (
                      <Button
                        variant="ghost"
                        size="sm"
                        onClick={(e) => (e.stopPropagation(), setRollingBack(v.version))}
                        data-testid={`rollback-${v.version}`}
                      >
                        <Undo2 />
                        {t("history.rollback")}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      <RetainedCard manage={manage} />
      {detail !== null && (
        <VersionDetailDialog
          version={detail}
          canRollback={manage && detail !== latest}
          onRollback={() => {
            setRollingBack(detail);
            setDetail(null);
          }}
          onClose={() => setDetail(null)}
        />
      )}
      {rollingBack !== null && <RollbackDialog toVersion={rollingBack} baseVersion={latest} onClose={() => setRollingBack(null)} />}
    </div>
  );
}

export default function MigrationHistoryPage() {
  return (
    <RequirePermission permission="data:read">
      <MigrationHistory />
    </RequirePermission>
  );
}
