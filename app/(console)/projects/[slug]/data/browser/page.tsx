"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ArrowDown,
  ArrowUp,
  ArrowUpDown,
  ChevronLeft,
  ChevronRight,
  Database,
  Filter,
  Pencil,
  Plus,
  SearchX,
  Trash2,
  X,
} from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../../components/console/confirm-dialog";
import { errorInfo } from "../../../../../../components/console/errors";
import { FormDialogFrame } from "../../../../../../components/console/form-dialog";
import { formatDateTime } from "../../../../../../components/console/format";
import { ActionsHead } from "../../../../../../components/console/row-actions";
import { EmptyState, LoadingRows, QueryError } from "../../../../../../components/console/states";
import { ExpressionInput, ExpressionIssueView, useExpressionCheck } from "../../../../../../components/data/expression-input";
import {
  cellText,
  fromText,
  sortable,
  toText,
  type Collection,
  type ExpressionIssue,
  type Field,
  type RecordRow,
} from "../../../../../../components/data/model";
import { fieldErrorsOf, RecordForm, useFieldError } from "../../../../../../components/data/record-form";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent } from "../../../../../../components/ui/card";
import { Checkbox } from "../../../../../../components/ui/checkbox";
import { Input } from "../../../../../../components/ui/input";
import { Label } from "../../../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../../components/ui/select";
import { Switch } from "../../../../../../components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import { RequirePermission, useProject } from "../../project-context";
import { CollectionPage } from "../collection-page";

const PAGE_SIZES = [10, 20, 50, 100];
/** Types edited in the cell itself; the others (json, relations, multi-selects) open the form. */
const INLINE_TYPES = new Set(["text", "email", "url", "uuid", "integer", "number", "decimal", "date", "datetime", "select"]);
const inlineEditable = (f: Field) => INLINE_TYPES.has(f.type) && !(f.type === "select" && f.multiple);

interface SortKey {
  field: string;
  desc: boolean;
}

function useRecordInvalidation() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.records.list.pathKey() });
}

/** A cell edited in place: double-click, Enter saves, Escape or leaving cancels. */
function EditableCell({
  project,
  collection,
  field,
  row,
  collections,
  canEdit,
  onOpenForm,
}: {
  project: string;
  collection: string;
  field: Field;
  row: RecordRow;
  collections: readonly Collection[];
  canEdit: boolean;
  onOpenForm: () => void;
}) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const invalidate = useRecordInvalidation();
  const word = useFieldError();
  const [editing, setEditing] = useState<string | null>(null);
  const update = useMutation(
    trpc.records.update.mutationOptions({
      onSuccess: async () => {
        setEditing(null);
        await invalidate();
      },
      onError: (e) => toast.error(fieldErrorsOf(e, word)[field.name] ?? errorInfo(e).message),
    }),
  );
  const raw = row[field.name];
  const text =
    (field.type === "datetime" || field.type === "autodate") && typeof raw === "string" && raw
      ? formatDateTime(raw, locale)
      : cellText(field, row, collections);
  if (field.type === "boolean")
    return (
      <Switch
        checked={row[field.name] === true}
        disabled={!canEdit || update.isPending}
        aria-label={t("browser.cellToggle", { field: field.name, id: row.id })}
        onCheckedChange={(v) => update.mutate({ project, collection, id: row.id, data: { [field.name]: v } })}
      />
    );
  if (editing !== null) {
    const save = () => {
      try {
        update.mutate({ project, collection, id: row.id, data: { [field.name]: fromText(field, editing) } });
      } catch (err) {
        toast.error((err as Error).message);
      }
    };
    if (field.type === "select")
      return (
        <Select
          defaultOpen
          value={editing || "__none__"}
          onValueChange={(v) => update.mutate({ project, collection, id: row.id, data: { [field.name]: v === "__none__" ? null : v } })}
          onOpenChange={(open) => !open && !update.isPending && setEditing(null)}
        >
          <SelectTrigger size="sm" className="h-7 w-full min-w-28" aria-label={t("browser.cellEdit", { field: field.name })}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="__none__">{t("browser.selectNone")}</SelectItem>
            {field.values.map((v) => (
              <SelectItem key={v} value={v}>
                {v}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      );
    const type =
      field.type === "integer" || field.type === "number"
        ? "number"
        : field.type === "date"
          ? "date"
          : field.type === "datetime"
            ? "datetime-local"
            : "text";
    return (
      <Input
        autoFocus
        type={type}
        step={field.type === "number" ? "any" : undefined}
        value={editing}
        disabled={update.isPending}
        aria-label={t("browser.cellEdit", { field: field.name })}
        data-testid="cell-editor"
        className="h-7 min-w-28 px-2 text-sm"
        onChange={(e) => setEditing(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") save();
          if (e.key === "Escape") setEditing(null);
        }}
        onBlur={() => !update.isPending && setEditing(null)}
      />
    );
  }
  const start = () => {
    if (!canEdit) return;
    if (inlineEditable(field)) setEditing(toText(field, row[field.name]));
    else onOpenForm();
  };
  return (
    <div
      className={canEdit ? "-mx-1 min-h-6 cursor-text truncate rounded px-1 hover:bg-muted/60" : "truncate"}
      title={canEdit ? t("browser.cellHint") : text}
      tabIndex={canEdit ? 0 : undefined}
      data-testid={`cell-${field.name}`}
      onDoubleClick={start}
      onKeyDown={(e) => e.key === "Enter" && start()}
    >
      {text === "" ? (
        <span className="text-muted-foreground/60">—</span>
      ) : (
        <span className={field.type === "json" || field.type === "decimal" ? "font-mono text-xs" : undefined}>{text}</span>
      )}
    </div>
  );
}

function RecordDialog({
  project,
  collection,
  collections,
  record,
  onClose,
}: {
  project: string;
  collection: Collection;
  collections: readonly Collection[];
  record: RecordRow | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const invalidate = useRecordInvalidation();
  const word = useFieldError();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const onError = (e: unknown) => {
    const fields = fieldErrorsOf(e, word);
    setErrors(fields);
    setFormError(Object.keys(fields).length ? null : errorInfo(e).message);
  };
  const done = async (message: string) => {
    toast.success(message);
    await invalidate();
    onClose();
  };
  const create = useMutation(trpc.records.create.mutationOptions({ onSuccess: (r) => done(t("browser.created", { id: r.id })), onError }));
  const update = useMutation(trpc.records.update.mutationOptions({ onSuccess: (r) => done(t("browser.saved", { id: r.id })), onError }));
  const pending = create.isPending || update.isPending;
  return (
    <FormDialogFrame
      title={record ? t("browser.editTitle", { id: record.id }) : t("browser.createTitle", { collection: collection.name })}
      description={record ? t("browser.editDescription") : t("browser.createDescription")}
      submitLabel={record ? t("common.save") : t("browser.create")}
      submitTestId="record-submit"
      className="max-h-[90vh] overflow-y-auto sm:max-w-xl"
      formId="record-form"
      pending={pending}
      onClose={onClose}
    >
      <RecordForm
        project={project}
        collection={collection}
        collections={collections}
        record={record}
        errors={errors}
        disabled={pending}
        formId="record-form"
        onSubmit={(data) => {
          setErrors({});
          setFormError(null);
          if (record) update.mutate({ project, collection: collection.name, id: record.id, data });
          else create.mutate({ project, collection: collection.name, data });
        }}
      />
      {formError && (
        <p className="text-sm text-destructive" role="alert" data-testid="record-form-error">
          {formError}
        </p>
      )}
    </FormDialogFrame>
  );
}

function DeleteRecord({
  project,
  collection,
  record,
  onClose,
}: {
  project: string;
  collection: string;
  record: RecordRow;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const invalidate = useRecordInvalidation();
  const remove = useMutation(
    trpc.records.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("browser.deleted", { id: record.id }));
        await invalidate();
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("browser.deleteTitle", { id: record.id })}
      description={t("browser.deleteBody", { collection })}
      onConfirm={() => remove.mutateAsync({ project, collection, id: record.id })}
      onClose={onClose}
    />
  );
}

/** The filter bar: a CEL expression checked as it is typed; Enter applies it. */
function FilterBar({
  project,
  collection,
  collections,
  applied,
  onApply,
}: {
  project: string;
  collection: string;
  collections: readonly Collection[];
  applied: string;
  onApply: (filter: string) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(applied);
  const check = useExpressionCheck(project, collection, text, "filter");
  const apply = () => {
    if (!check.issue) onApply(text.trim());
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-start gap-2">
        <Filter className="mt-2.5 size-4 shrink-0 text-muted-foreground" />
        <ExpressionInput
          value={text}
          onChange={setText}
          onSubmit={apply}
          collections={collections}
          collection={collection}
          invalid={check.issue !== null}
          valid={check.valid && text.trim() !== ""}
          placeholder={t("browser.filterPlaceholder")}
          ariaLabel={t("browser.filterLabel")}
          testId="filter-input"
        />
        <Button variant="secondary" onClick={apply} disabled={check.issue !== null} data-testid="filter-apply">
          {t("browser.filterApply")}
        </Button>
        {(applied !== "" || text !== "") && (
          <Button
            variant="ghost"
            size="icon"
            aria-label={t("browser.filterClear")}
            onClick={() => {
              setText("");
              onApply("");
            }}
          >
            <X />
          </Button>
        )}
      </div>
      {check.issue && <ExpressionIssueView source={text} issue={check.issue} testId="filter-error" />}
    </div>
  );
}

function SortIcon({ keys, field }: { keys: SortKey[]; field: string }) {
  const index = keys.findIndex((k) => k.field === field);
  if (index < 0) return <ArrowUpDown className="size-3.5 opacity-40" />;
  const Icon = keys[index]!.desc ? ArrowDown : ArrowUp;
  return (
    <span className="flex items-center">
      <Icon className="size-3.5" />
      {keys.length > 1 && <span className="text-[10px]">{index + 1}</span>}
    </span>
  );
}

function RecordsTable({ collection, collections }: { collection: Collection; collections: readonly Collection[] }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const canEdit = can("data:write") && !project.archived;
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<SortKey[]>([]);
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(20);
  const [withCount, setWithCount] = useState(true);
  const [editing, setEditing] = useState<RecordRow | "new" | null>(null);
  const [deleting, setDeleting] = useState<RecordRow | null>(null);
  const relations = collection.fields.filter((f) => f.type === "relation").map((f) => f.name);
  const sortText = sort.map((k) => `${k.desc ? "-" : ""}${k.field}`).join(",");
  const records = useQuery({
    ...trpc.records.list.queryOptions({
      project: ref,
      collection: collection.name,
      page,
      perPage,
      count: withCount,
      ...(filter ? { filter } : {}),
      ...(sortText ? { sort: sortText } : {}),
      ...(relations.length ? { expand: relations.join(",") } : {}),
    }),
    placeholderData: (previous) => previous,
  });
  const serverIssue: ExpressionIssue | null =
    records.isError && errorInfo(records.error).details.kind === "filter"
      ? (errorInfo(records.error).details as unknown as ExpressionIssue & { code?: string })
      : null;

  /** Click: sort by this column alone (asc → desc → off); shift-click: add it to the sort. */
  const toggleSort = (field: string, add: boolean) => {
    setPage(1);
    setSort((keys) => {
      const existing = keys.find((k) => k.field === field);
      const next = existing ? (existing.desc ? null : { field, desc: true }) : { field, desc: false };
      if (add)
        return next
          ? existing
            ? keys.map((k) => (k.field === field ? next : k))
            : [...keys, next]
          : keys.filter((k) => k.field !== field);
      return next ? [next] : [];
    });
  };
  const columns: Array<{ name: string; field?: Field; sortable: boolean }> = [
    { name: "id", sortable: true },
    ...collection.fields.map((f) => ({ name: f.name, field: f, sortable: sortable(f) })),
    { name: "created", sortable: true },
  ];
  const newButton = canEdit ? (
    <Button onClick={() => setEditing("new")} data-testid="create-record">
      <Plus />
      {t("browser.newRecord")}
    </Button>
  ) : undefined;

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="min-w-0 flex-1">
          <FilterBar
            key={collection.name}
            project={ref}
            collection={collection.name}
            collections={collections}
            applied={filter}
            onApply={(f) => {
              setFilter(f);
              setPage(1);
            }}
          />
        </div>
        {/* An empty collection offers its first record in the empty state instead. */}
        {(filter !== "" || (records.data?.items.length ?? 0) > 0) && newButton}
      </div>
      <Card className="py-0">
        <CardContent className="px-0">
          {records.isPending ? (
            <div className="p-5">
              <LoadingRows count={4} />
            </div>
          ) : records.isError ? (
            <div className="flex flex-col gap-3 p-5">
              {serverIssue && (
                <ExpressionIssueView
                  source={filter}
                  issue={{ ...serverIssue, code: errorInfo(records.error).code }}
                  testId="filter-server-error"
                />
              )}
              <QueryError error={records.error} onRetry={() => records.refetch()} />
            </div>
          ) : records.data.items.length === 0 ? (
            <div className="p-5">
              {filter ? (
                <EmptyState icon={SearchX} title={t("browser.noMatchesTitle")} body={t("browser.noMatchesBody")} />
              ) : (
                <EmptyState
                  icon={Database}
                  title={t("browser.emptyTitle", { collection: collection.name })}
                  body={canEdit ? t("browser.emptyBody") : t("browser.emptyBodyReadOnly")}
                  action={newButton}
                />
              )}
            </div>
          ) : (
            <div className="overflow-x-auto">
              <Table data-testid="records-table" aria-busy={records.isFetching}>
                <TableHeader>
                  <TableRow>
                    {columns.map((c) => (
                      <TableHead
                        key={c.name}
                        className={c.name === "id" ? "pl-5" : undefined}
                        aria-sort={
                          sort.find((k) => k.field === c.name)
                            ? sort.find((k) => k.field === c.name)!.desc
                              ? "descending"
                              : "ascending"
                            : undefined
                        }
                      >
                        {c.sortable ? (
                          <button
                            type="button"
                            className="flex items-center gap-1 font-mono hover:text-foreground"
                            onClick={(e) => toggleSort(c.name, e.shiftKey)}
                            title={t("browser.sortHint")}
                            data-testid={`sort-${c.name}`}
                          >
                            {c.name}
                            <SortIcon keys={sort} field={c.name} />
                          </button>
                        ) : (
                          <span className="font-mono">{c.name}</span>
                        )}
                      </TableHead>
                    ))}
                    {canEdit && <ActionsHead className="w-20" />}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {records.data.items.map((row) => (
                    <TableRow key={row.id} data-testid={`record-${row.id}`}>
                      <TableCell className="pl-5 font-mono text-xs text-muted-foreground">{row.id}</TableCell>
                      {collection.fields.map((f) => (
                        <TableCell key={f.name} className="max-w-64">
                          <EditableCell
                            project={ref}
                            collection={collection.name}
                            field={f}
                            row={row}
                            collections={collections}
                            canEdit={canEdit && f.type !== "autodate"}
                            onOpenForm={() => setEditing(row)}
                          />
                        </TableCell>
                      ))}
                      <TableCell className="text-xs whitespace-nowrap text-muted-foreground">
                        {row.created ? formatDateTime(String(row.created), locale) : ""}
                      </TableCell>
                      {canEdit && (
                        <TableCell>
                          <div className="flex gap-1">
                            <Button
                              variant="ghost"
                              size="icon"
                              aria-label={t("browser.editRecord", { id: row.id })}
                              onClick={() => setEditing(row)}
                            >
                              <Pencil />
                            </Button>
                            <Button
                              variant="ghost"
                              size="icon"
                              aria-label={t("browser.deleteRecord", { id: row.id })}
                              onClick={() => setDeleting(row)}
                              className="text-destructive hover:text-destructive"
                            >
                              <Trash2 />
                            </Button>
                          </div>
                        </TableCell>
                      )}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
          )}
        </CardContent>
      </Card>
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm" data-testid="pagination">
        <div className="flex items-center gap-4">
          <div className="flex items-center gap-2">
            <Label htmlFor="page-size">{t("browser.pageSize")}</Label>
            <Select
              value={String(perPage)}
              onValueChange={(v) => {
                setPerPage(Number(v));
                setPage(1);
              }}
            >
              <SelectTrigger id="page-size" size="sm" className="w-20">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {PAGE_SIZES.map((n) => (
                  <SelectItem key={n} value={String(n)}>
                    {n}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <label className="flex items-center gap-2">
            <Checkbox checked={withCount} onCheckedChange={(v) => setWithCount(v === true)} />
            {t("browser.countTotal")}
          </label>
        </div>
        <div className="flex items-center gap-2">
          <span className="text-muted-foreground" data-testid="page-info">
            {records.data?.totalItems !== undefined
              ? t("browser.pageOfTotal", { page, pages: Math.max(1, records.data.totalPages ?? 1), total: records.data.totalItems })
              : t("browser.pageOnly", { page })}
          </span>
          <Button
            variant="outline"
            size="icon"
            aria-label={t("browser.previousPage")}
            disabled={page <= 1}
            onClick={() => setPage((p) => p - 1)}
          >
            <ChevronLeft />
          </Button>
          <Button
            variant="outline"
            size="icon"
            aria-label={t("browser.nextPage")}
            disabled={!records.data?.hasMore}
            onClick={() => setPage((p) => p + 1)}
          >
            <ChevronRight />
          </Button>
        </div>
      </div>
      {editing && (
        <RecordDialog
          project={ref}
          collection={collection}
          collections={collections}
          record={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && <DeleteRecord project={ref} collection={collection.name} record={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function DataBrowser() {
  const { t } = useI18n();
  return (
    <CollectionPage title={t("browser.title")} description={t("browser.subtitle")} className="max-w-6xl" loadingRows={4}>
      {(current, collections) => <RecordsTable key={current.name} collection={current} collections={collections} />}
    </CollectionPage>
  );
}

export default function DataBrowserPage() {
  return (
    <RequirePermission permission="data:read">
      <DataBrowser />
    </RequirePermission>
  );
}
