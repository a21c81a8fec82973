"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Database, LayoutGrid, Lock, Plus, RotateCcw, ScrollText } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { errorInfo } from "../../../../../../components/console/errors";
import { EmptyState, LoadingRows, QueryError } from "../../../../../../components/console/states";
import {
  addCollection,
  addRelation,
  fromDocument,
  layeredLayout,
  sameDocument,
  toDocument,
  type DraftModel,
} from "../../../../../../components/designer/model-draft";
import { PlanDialog } from "../../../../../../components/designer/plan-view";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription } from "../../../../../../components/ui/alert";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Input } from "../../../../../../components/ui/input";
import { Label } from "../../../../../../components/ui/label";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "../../../../../../components/ui/tabs";
import type { ModelDocument } from "../../../../../../server/modules/data/schema";
import { useProject } from "../../project-context";
import { ModelCanvas, type Positions } from "./canvas";
import { Inspector } from "./inspector";
import { SourceView } from "./source-view";

type Selection = { key: string; field: number | null } | null;

function ReviewDialog({
  baseVersion,
  draft,
  onClose,
  onApplied,
}: {
  baseVersion: number;
  draft: DraftModel;
  onClose(): void;
  onApplied(version: number, schema: ModelDocument): void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref } = useProject();
  const [message, setMessage] = useState("");
  const queryClient = useQueryClient();
  // A version conflict means the model moved on: refetch it, so the page offers to reload.
  const refetchOnConflict = (e: unknown) => {
    if (errorInfo(e).code === "schema_version_conflict")
      void queryClient.invalidateQueries({ queryKey: trpc.data.schema.get.queryKey({ project: ref }) });
  };
  const preview = useMutation(trpc.data.schema.preview.mutationOptions({ onError: refetchOnConflict }));
  const apply = useMutation(
    trpc.data.schema.applyChange.mutationOptions({
      onSuccess: (r) => onApplied(r.version, r.schema),
      // Shown in the dialog (with the step that failed), not as a toast.
      onError: refetchOnConflict,
    }),
  );
  const { mutate } = preview;
  useEffect(() => {
    mutate({ project: ref, baseVersion, schema: toDocument(draft) });
  }, [mutate, ref, baseVersion, draft]);
  const conflict = errorInfo(preview.error ?? apply.error).code === "schema_version_conflict";
  return (
    <PlanDialog
      title={t("designer.reviewTitle")}
      description={t("designer.reviewDescription", { version: baseVersion + 1 })}
      plan={preview.data ?? null}
      error={preview.error ?? apply.error}
      errorAction={conflict ? <p className="text-sm">{t("designer.conflictHint")}</p> : undefined}
      confirmLabel={t("designer.apply")}
      pending={apply.isPending}
      onConfirm={() =>
        apply.mutate({ project: ref, baseVersion, schema: toDocument(draft), ...(message.trim() ? { message: message.trim() } : {}) })
      }
      onClose={onClose}
    >
      <div className="grid gap-1.5">
        <Label htmlFor="apply-message">{t("designer.message")}</Label>
        <Input
          id="apply-message"
          data-testid="apply-message"
          value={message}
          maxLength={1000}
          placeholder={t("designer.messagePlaceholder")}
          onChange={(e) => setMessage(e.target.value)}
        />
      </div>
    </PlanDialog>
  );
}

/** The visual model designer: diagram, side panel and YAML/JSON views of one draft, reviewed and applied as a new version. */
export function ModelDesigner() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can, project } = useProject();
  const readOnly = !can("schema:manage") || project.archived;
  const current = useQuery(trpc.data.schema.get.queryOptions({ project: ref }));

  const [base, setBase] = useState<{ version: number; model: DraftModel } | null>(null);
  const [draft, setDraft] = useState<DraftModel | null>(null);
  const [positions, setPositions] = useState<Positions>({});
  const [selected, setSelected] = useState<Selection>(null);
  const [tab, setTab] = useState("diagram");
  const [reviewing, setReviewing] = useState(false);
  const [fitSignal, setFitSignal] = useState(0);

  const load = useCallback((version: number, schema: ModelDocument, previous?: DraftModel) => {
    const model = fromDocument(schema, previous);
    setBase({ version, model });
    setDraft(model);
    setPositions((p) => ({ ...layeredLayout(model), ...(previous ? p : {}) }));
  }, []);

  // The first load, and a newer version from elsewhere while nothing is being edited.
  useEffect(() => {
    if (!current.data) return;
    if (!base || (current.data.version > base.version && draft && sameDocument(draft, base.model)))
      load(current.data.version, current.data.schema, draft ?? undefined);
  }, [current.data, base, draft, load]);

  const dirty = !!(base && draft && !sameDocument(draft, base.model));
  // A draft lives only in this page: leaving it (reload, close) asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  const stale = !!(current.data && base && current.data.version > base.version);

  const onConnect = useCallback(
    (source: string, target: string) => {
      if (readOnly || !draft) return;
      const { model, field } = addRelation(draft, source, target);
      if (!field) return;
      setDraft(model);
      const c = model.collections.find((x) => x.key === source)!;
      setSelected({ key: source, field: c.fields.length - 1 });
      toast.success(t("designer.relationAdded", { field: `${c.name}.${field.name}`, target: String(field.collection) }));
    },
    [draft, readOnly, t],
  );

  if (current.isPending) return <LoadingRows count={6} />;
  if (current.isError) return <QueryError error={current.error} onRetry={() => current.refetch()} />;
  if (!draft || !base) return <LoadingRows count={6} />;

  const addOne = () => {
    const { model, collection } = addCollection(draft);
    const right = Math.max(0, ...Object.values(positions).map((p) => p.x + 380));
    setDraft(model);
    setPositions((p) => ({ ...p, [collection.key]: draft.collections.length === 0 ? { x: 0, y: 0 } : { x: right, y: 0 } }));
    setSelected({ key: collection.key, field: null });
    setTab("diagram");
    if (draft.collections.length === 0) setFitSignal((n) => n + 1);
  };
  const autoLayout = () => {
    setPositions(layeredLayout(draft));
    setFitSignal((n) => n + 1);
  };

  return (
    <div className="flex h-[calc(100svh-7.5rem)] min-h-[520px] flex-col gap-3" data-testid="model-designer">
      <div className="flex flex-wrap items-center gap-2">
        <div className="mr-auto flex min-w-0 items-center gap-2">
          <h1 className="text-2xl font-semibold tracking-tight">{t("designer.title")}</h1>
          <Badge variant="outline" data-testid="model-version">
            {t("designer.version", { version: base.version })}
          </Badge>
          {dirty && (
            <Badge variant="secondary" data-testid="unsaved">
              {t("designer.unsaved")}
            </Badge>
          )}
        </div>
        <Button asChild variant="ghost" size="sm">
          <Link href={`/projects/${encodeURIComponent(project.slug)}/data/history`}>
            <ScrollText />
            {t("designer.historyLink")}
          </Link>
        </Button>
        {draft.collections.length > 0 && (
          <Button variant="outline" size="sm" onClick={autoLayout} data-testid="auto-layout">
            <LayoutGrid />
            {t("designer.autoLayout")}
          </Button>
        )}
        {!readOnly && (
          <>
            {draft.collections.length > 0 && (
              <Button variant="outline" size="sm" onClick={addOne} data-testid="add-collection">
                <Plus />
                {t("designer.addCollection")}
              </Button>
            )}
            <Button
              variant="outline"
              size="sm"
              disabled={!dirty}
              onClick={() => (setDraft(base.model), setSelected(null))}
              data-testid="discard"
            >
              <RotateCcw />
              {t("designer.discard")}
            </Button>
            <Button size="sm" disabled={!dirty} onClick={() => setReviewing(true)} data-testid="review-changes">
              {t("designer.review")}
            </Button>
          </>
        )}
      </div>
      {readOnly && (
        <Alert data-testid="read-only">
          <Lock />
          <AlertDescription>{project.archived ? t("designer.readOnlyArchived") : t("designer.readOnly")}</AlertDescription>
        </Alert>
      )}
      {stale && (
        <Alert data-testid="stale">
          <AlertDescription className="flex flex-wrap items-center gap-2">
            {t("designer.stale", { version: current.data.version })}
            <Button size="sm" variant="outline" onClick={() => load(current.data.version, current.data.schema, draft)}>
              {t("designer.reloadDiscarding")}
            </Button>
          </AlertDescription>
        </Alert>
      )}
      <Tabs value={tab} onValueChange={setTab} className="flex min-h-0 flex-1 flex-col gap-2">
        <TabsList>
          <TabsTrigger value="diagram" data-testid="tab-diagram">
            {t("designer.diagramTab")}
          </TabsTrigger>
          <TabsTrigger value="yaml" data-testid="tab-yaml">
            {t("designer.yamlTab")}
          </TabsTrigger>
          <TabsTrigger value="json" data-testid="tab-json">
            {t("designer.jsonTab")}
          </TabsTrigger>
        </TabsList>
        <TabsContent value="diagram" className="min-h-0 flex-1">
          {draft.collections.length === 0 ? (
            <div className="flex h-full items-center justify-center rounded-lg border">
              <EmptyState
                icon={Database}
                title={t("designer.emptyTitle")}
                body={readOnly ? t("designer.emptyBodyReadOnly") : t("designer.emptyBody")}
                action={
                  readOnly ? undefined : (
                    <Button onClick={addOne} data-testid="add-first-collection">
                      <Plus />
                      {t("designer.addFirstCollection")}
                    </Button>
                  )
                }
              />
            </div>
          ) : (
            <div className="grid h-full min-h-0 grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_22rem]">
              <div className="min-h-[360px] overflow-hidden rounded-lg border bg-background" data-testid="canvas">
                <ModelCanvas
                  model={draft}
                  positions={positions}
                  onPositions={setPositions}
                  selected={selected}
                  onSelect={setSelected}
                  onConnect={onConnect}
                  readOnly={readOnly}
                  fitSignal={fitSignal}
                />
              </div>
              <aside
                className="min-h-0 overflow-y-auto rounded-lg border bg-card p-4"
                aria-label={t("designer.inspector")}
                data-testid="inspector"
              >
                <Inspector model={draft} selected={selected} onChange={setDraft} onSelect={setSelected} readOnly={readOnly} />
              </aside>
            </div>
          )}
        </TabsContent>
        <TabsContent value="yaml" className="min-h-0 flex-1">
          <SourceView model={draft} format="yaml" onChange={setDraft} readOnly={readOnly} />
        </TabsContent>
        <TabsContent value="json" className="min-h-0 flex-1">
          <SourceView model={draft} format="json" onChange={setDraft} readOnly={readOnly} />
        </TabsContent>
      </Tabs>
      {reviewing && (
        <ReviewDialog
          baseVersion={base.version}
          draft={draft}
          onClose={() => setReviewing(false)}
          onApplied={async (version, schema) => {
            toast.success(t("designer.applied", { version }));
            setReviewing(false);
            load(version, schema, draft);
            await Promise.all([
              queryClient.invalidateQueries({ queryKey: trpc.data.schema.get.queryKey({ project: ref }) }),
              queryClient.invalidateQueries({ queryKey: trpc.data.schema.history.pathKey() }),
            ]);
          }}
        />
      )}
    </div>
  );
}
