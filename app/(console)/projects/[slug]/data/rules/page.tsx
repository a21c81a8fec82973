"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Eye, RotateCcw, Save } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { errorInfo } from "../../../../../../components/console/errors";
import { LoadingRows, QueryError } from "../../../../../../components/console/states";
import { ExpressionIssueView } from "../../../../../../components/data/expression-input";
import { cellText, OPERATIONS, type Collection, type ExpressionIssue, type Operation } from "../../../../../../components/data/model";
import { JsonEditor } from "../../../../../../components/data/record-form";
import { RuleEditor, modeOf, type RuleSet } from "../../../../../../components/data/rule-editor";
import type { MessageKey } from "../../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription } from "../../../../../../components/ui/alert";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Label } from "../../../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../../components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import { RequirePermission, useProject } from "../../project-context";
import { CollectionPage } from "../collection-page";

const ANONYMOUS = "__anonymous__";

/** "Preview as user": what the draft rule of one operation lets a chosen app user reach. */
function PreviewAsUser({ collection, collections, rules }: { collection: Collection; collections: readonly Collection[]; rules: RuleSet }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, can } = useProject();
  const [userId, setUserId] = useState<string>(ANONYMOUS);
  const [operation, setOperation] = useState<Operation>("list");
  const [body, setBody] = useState("{}");
  const [request, setRequest] = useState<{
    userId: string;
    operation: Operation;
    rule: string | null;
    body?: Record<string, unknown>;
  } | null>(null);
  const shownFields = collection.fields.slice(0, 4);
  const relations = shownFields.filter((f) => f.type === "relation").map((f) => f.name);
  const users = useQuery({ ...trpc.auth.users.list.queryOptions({ project: ref, limit: 200 }), enabled: can("users:read") });
  const preview = useQuery({
    ...trpc.records.previewAs.queryOptions({
      project: ref,
      collection: collection.name,
      operation: request?.operation ?? "list",
      userId: request && request.userId !== ANONYMOUS ? request.userId : null,
      rule: request?.rule ?? null,
      perPage: 20,
      ...(request?.body ? { body: request.body } : {}),
      ...(request && request.operation !== "update" && relations.length ? { expand: relations.join(",") } : {}),
    }),
    enabled: request !== null,
  });
  if (!can("users:read")) return <p className="text-sm text-muted-foreground">{t("rules.previewNeedsUsers")}</p>;
  const withBody = operation === "create" || operation === "update";
  let parsedBody: Record<string, unknown> | null = null;
  try {
    const v = JSON.parse(body || "{}");
    parsedBody = v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    parsedBody = null;
  }
  const run = () => setRequest({ userId, operation, rule: rules[operation], ...(withBody && parsedBody ? { body: parsedBody } : {}) });
  const error = preview.isError ? errorInfo(preview.error) : null;
  return (
    <div className="flex flex-col gap-4" data-testid="preview-as-user">
      <div className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end">
        <div className="grid gap-1.5">
          <Label htmlFor="preview-user">{t("rules.previewUser")}</Label>
          <Select value={userId} onValueChange={setUserId}>
            <SelectTrigger id="preview-user" className="w-full" data-testid="preview-user">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANONYMOUS}>{t("rules.previewAnonymous")}</SelectItem>
              {users.data?.map((u) => (
                <SelectItem key={u.id} value={u.id}>
                  {u.email}
                  {u.roles.length ? ` (${u.roles.join(", ")})` : ""}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="preview-operation">{t("rules.previewOperation")}</Label>
          <Select value={operation} onValueChange={(v) => setOperation(v as Operation)}>
            <SelectTrigger id="preview-operation" className="w-full" data-testid="preview-operation">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {OPERATIONS.map((op) => (
                <SelectItem key={op} value={op}>
                  {t(`rules.op_${op}` as MessageKey)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <Button onClick={run} disabled={withBody && parsedBody === null} data-testid="preview-run">
          <Eye />
          {t("rules.previewRun")}
        </Button>
      </div>
      {withBody && (
        <div className="grid gap-1.5">
          <Label htmlFor="preview-body">{t("rules.previewBody")}</Label>
          <JsonEditor id="preview-body" value={body} onChange={setBody} />
        </div>
      )}
      {request &&
        (error ? (
          error.details.kind === "rule" ? (
            <ExpressionIssueView
              source={request.rule ?? ""}
              issue={{ ...(error.details as unknown as ExpressionIssue), code: error.code }}
              testId="preview-error"
            />
          ) : (
            <QueryError error={preview.error} />
          )
        ) : !preview.data ? (
          <LoadingRows count={2} />
        ) : (
          <div className="flex flex-col gap-3" data-testid="preview-result">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge variant={preview.data.allowed ? "default" : "destructive"} data-testid="preview-allowed">
                {preview.data.allowed ? t("rules.previewAllowed") : t("rules.previewDenied")}
              </Badge>
              <span className="text-muted-foreground">
                {preview.data.user
                  ? t("rules.previewAsUser", { email: preview.data.user.email, roles: preview.data.user.roles.join(", ") || "—" })
                  : t("rules.previewAsAnonymous")}
              </span>
            </div>
            {request.operation === "create" ? (
              <p className="text-sm">{preview.data.allowed ? t("rules.previewCreateAllowed") : t("rules.previewCreateDenied")}</p>
            ) : preview.data.mode === "locked" ? (
              <p className="text-sm">{t("rules.previewLocked")}</p>
            ) : preview.data.items.length === 0 ? (
              <p className="text-sm text-muted-foreground" data-testid="preview-empty">
                {t("rules.previewNone")}
              </p>
            ) : (
              <>
                <p className="text-sm text-muted-foreground">
                  {t(`rules.previewRows_${request.operation}` as MessageKey, { count: preview.data.items.length })}
                </p>
                <div className="overflow-x-auto rounded-md border">
                  <Table data-testid="preview-table">
                    <TableHeader>
                      <TableRow>
                        <TableHead className="font-mono">id</TableHead>
                        {shownFields.map((f) => (
                          <TableHead key={f.name} className="font-mono">
                            {f.name}
                          </TableHead>
                        ))}
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {preview.data.items.map((r) => (
                        <TableRow key={r.id}>
                          <TableCell className="font-mono text-xs text-muted-foreground">{r.id}</TableCell>
                          {shownFields.map((f) => (
                            <TableCell key={f.name} className="max-w-48 truncate">
                              {cellText(f, r, collections)}
                            </TableCell>
                          ))}
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </div>
                {preview.data.hasMore && <p className="text-xs text-muted-foreground">{t("rules.previewMore")}</p>}
              </>
            )}
          </div>
        ))}
    </div>
  );
}

function CollectionRules({
  collection,
  collections,
  version,
}: {
  collection: Collection;
  collections: readonly Collection[];
  version: number;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can, project } = useProject();
  const manage = can("schema:manage") && !project.archived;
  const saved = collection.rules as RuleSet;
  const [draft, setDraft] = useState<RuleSet>(saved);
  const [valid, setValid] = useState(true);
  const [conflict, setConflict] = useState<string | null>(null);
  const changed = OPERATIONS.filter((op) => draft[op] !== saved[op]);
  const save = useMutation(
    trpc.records.saveRules.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("rules.saved", { collection: collection.name, version: r.version }));
        setConflict(null);
        await queryClient.invalidateQueries({ queryKey: trpc.records.collections.queryKey({ project: ref }) });
        await queryClient.invalidateQueries({ queryKey: trpc.records.pathKey() });
      },
      onError: (e) => {
        const info = errorInfo(e);
        if (info.code === "schema_version_conflict") setConflict(info.message);
        else toast.error(info.message);
      },
    }),
  );
  return (
    <div className="flex flex-col gap-6">
      <Card className="gap-0 py-0">
        <CardHeader className="flex flex-row items-start justify-between gap-4 border-b px-5 py-4">
          <div>
            <CardTitle>{t("rules.cardTitle", { collection: collection.name })}</CardTitle>
            <CardDescription>{t("rules.cardDescription", { version })}</CardDescription>
          </div>
          {manage && (
            <div className="flex shrink-0 gap-2">
              <Button variant="outline" disabled={changed.length === 0 || save.isPending} onClick={() => setDraft(saved)}>
                <RotateCcw />
                {t("rules.reset")}
              </Button>
              <Button
                disabled={changed.length === 0 || !valid || save.isPending}
                data-testid="rules-save"
                onClick={() =>
                  save.mutate({
                    project: ref,
                    collection: collection.name,
                    baseVersion: version,
                    rules: Object.fromEntries(changed.map((op) => [op, draft[op]])),
                  })
                }
              >
                <Save />
                {t("rules.save")}
              </Button>
            </div>
          )}
        </CardHeader>
        <CardContent className="px-0">
          {conflict && (
            <Alert variant="destructive" className="m-5 mb-0 w-auto" data-testid="rules-conflict">
              <AlertDescription>{conflict}</AlertDescription>
            </Alert>
          )}
          {!manage && (
            <p className="px-5 pt-4 text-sm text-muted-foreground" data-testid="rules-read-only">
              {t("rules.readOnly", { permission: t("permissions.schema_manage") })}
            </p>
          )}
          <RuleEditor
            project={ref}
            collection={collection}
            collections={collections}
            value={draft}
            onChange={setDraft}
            readOnly={!manage}
            onValidityChange={setValid}
          />
        </CardContent>
      </Card>
      {changed.length > 0 && (
        <p className="text-sm text-muted-foreground" data-testid="rules-unsaved">
          {t("rules.unsaved", {
            operations: changed
              .map((op) => `${t(`rules.op_${op}` as MessageKey)} (${t(`rules.mode_${modeOf(draft[op])}` as MessageKey)})`)
              .join(", "),
          })}
        </p>
      )}
      <Card>
        <CardHeader>
          <CardTitle>{t("rules.previewTitle")}</CardTitle>
          <CardDescription>{t("rules.previewDescription")}</CardDescription>
        </CardHeader>
        <CardContent>
          <PreviewAsUser collection={collection} collections={collections} rules={draft} />
        </CardContent>
      </Card>
    </div>
  );
}

function Rules() {
  const { t } = useI18n();
  return (
    <CollectionPage title={t("rules.title")} description={t("rules.subtitle")} className="max-w-5xl" loadingRows={5}>
      {(current, collections, version) => (
        <CollectionRules key={`${current.name}@${version}`} collection={current} collections={collections} version={version} />
      )}
    </CollectionPage>
  );
}

export default function RulesPage() {
  return (
    <RequirePermission permission="data:read">
      <Rules />
    </RequirePermission>
  );
}
