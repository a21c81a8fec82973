"use client";

import { useMutation } from "@tanstack/react-query";
import { ArrowDown, ArrowLeft, ArrowUp, CheckCircle2, Plus, Trash2, XCircle } from "lucide-react";
import { useEffect, useId, useState, type ReactNode } from "react";
import { errorInfo } from "../../../../../../components/console/errors";
import {
  FIELD_TYPES,
  ON_DELETE,
  RECORD_OPERATIONS,
  TYPE_OPTIONS,
  addField,
  changeFieldType,
  moveField,
  newField,
  removeCollection,
  removeField,
  renameCollection,
  toDocument,
  updateCollection,
  updateField,
  type DraftCollection,
  type DraftField,
  type DraftModel,
  type FieldType,
  type RecordOperation,
} from "../../../../../../components/designer/model-draft";
import type { MessageKey } from "../../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../../components/ui/button";
import { Checkbox } from "../../../../../../components/ui/checkbox";
import { cn } from "../../../../../../components/ui/cn";
import { Input } from "../../../../../../components/ui/input";
import { Label } from "../../../../../../components/ui/label";
import { Separator } from "../../../../../../components/ui/separator";
import { Switch } from "../../../../../../components/ui/switch";
import { Textarea } from "../../../../../../components/ui/textarea";
import { useProject } from "../../project-context";
import { TypeBadge } from "./type-badge";

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** Why a name is not a safe identifier, or null (the server checks again, with reserved names). */
export function nameProblem(name: string, max = 63): MessageKey | null {
  if (!name) return "designer.nameRequired";
  if (!IDENTIFIER.test(name) || name.includes("__") || name.endsWith("_") || name.length > max) return "designer.nameRules";
  return null;
}

export function NativeSelect({ className, ...props }: React.ComponentProps<"select">) {
  return (
    <select
      className={cn(
        "h-9 w-full rounded-md border border-input bg-transparent px-2 text-sm shadow-xs outline-none focus-visible:ring-2 focus-visible:ring-ring/50 disabled:opacity-50 dark:bg-input/30 [&>option]:bg-background",
        className,
      )}
      {...props}
    />
  );
}

function Row({
  label,
  children,
  hint,
  error,
}: {
  label: string;
  children: (id: string) => ReactNode;
  hint?: ReactNode;
  error?: string | null;
}) {
  const id = useId();
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children(id)}
      {error ? <p className="text-xs text-destructive">{error}</p> : hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}

function Toggle({
  label,
  checked,
  onChange,
  testId,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange(v: boolean): void;
  testId?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="flex items-center justify-between gap-2">
      <Label htmlFor={id} className="font-normal">
        {label}
      </Label>
      <Switch id={id} checked={checked} onCheckedChange={onChange} data-testid={testId} disabled={disabled} />
    </div>
  );
}

const numberOr = (v: string): number | undefined => (v.trim() === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Text of a default for its input, and back (typed as the field's type wants). */
function defaultText(f: DraftField): string {
  const d = f.default;
  if (d === undefined || d === null) return "";
  if (f.type === "json") return JSON.stringify(d);
  if (Array.isArray(d)) return d.join(", ");
  return String(d);
}
function parseDefault(f: DraftField, text: string): unknown {
  if (text.trim() === "") return undefined;
  switch (f.type) {
    case "integer":
    case "number":
      return numberOr(text) ?? text;
    case "boolean":
      return text === "true";
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    case "select":
      return f.multiple === true
        ? text
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : text;
    default:
      return text;
  }
}

/** Which kind of input a type's min/max take. */
const rangeKind = (type: FieldType): "count" | "number" | "text" =>
  ["integer", "number"].includes(type) ? "number" : ["decimal", "datetime", "date"].includes(type) ? "text" : "count";

function FieldEditor({
  model,
  collection,
  index,
  onChange,
  onBack,
  readOnly,
}: {
  model: DraftModel;
  collection: DraftCollection;
  index: number;
  onChange(m: DraftModel): void;
  onBack(): void;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const field = collection.fields[index]!;
  const opts = TYPE_OPTIONS[field.type];
  const set = (patch: Record<string, unknown>) => onChange(updateField(model, collection.key, index, { ...field, ...patch } as DraftField));
  const problem = nameProblem(field.name);
  const taken = collection.fields.some((f, i) => i !== index && f.name === field.name);
  const range = rangeKind(field.type);
  const rangeInput = (key: "min" | "max") => (
    <Row
      label={t(
        key === "min"
          ? range === "count"
            ? "designer.minLength"
            : "designer.min"
          : range === "count"
            ? "designer.maxLength"
            : "designer.max",
      )}
    >
      {(id) => (
        <Input
          id={id}
          data-testid={`field-${key}`}
          inputMode={range === "text" ? "text" : "decimal"}
          value={field[key] === undefined ? "" : String(field[key])}
          onChange={(e) => set({ [key]: range === "text" ? e.target.value || undefined : numberOr(e.target.value) })}
          placeholder={field.type === "datetime" ? "2026-01-01T00:00:00Z" : field.type === "date" ? "2026-01-01" : undefined}
        />
      )}
    </Row>
  );
  return (
    <fieldset disabled={readOnly} className="flex min-w-0 flex-col gap-4" data-testid="field-editor">
      <div className="flex items-center gap-2">
        <Button variant="ghost" size="icon" onClick={onBack} aria-label={t("designer.backToCollection")} type="button">
          <ArrowLeft />
        </Button>
        <div className="min-w-0">
          <p className="text-xs text-muted-foreground">{collection.name}</p>
          <h2 className="truncate font-mono font-semibold">{field.name || "—"}</h2>
        </div>
        {!readOnly && (
          <Button
            variant="ghost"
            size="icon"
            className="ml-auto text-destructive"
            type="button"
            aria-label={t("designer.removeField")}
            data-testid="remove-field"
            onClick={() => (onChange(removeField(model, collection.key, index)), onBack())}
          >
            <Trash2 />
          </Button>
        )}
      </div>
      <Row
        label={t("designer.fieldName")}
        error={problem ? t(problem) : taken ? t("designer.nameTaken") : null}
        hint={field.id ? t("designer.renameKeepsData") : undefined}
      >
        {(id) => (
          <Input
            id={id}
            data-testid="field-name"
            className="font-mono"
            value={field.name}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => set({ name: e.target.value.trim() })}
          />
        )}
      </Row>
      <Row label={t("designer.fieldType")} hint={field.id ? t("designer.typeChangeHint") : undefined}>
        {(id) => (
          <NativeSelect
            id={id}
            data-testid="field-type"
            value={field.type}
            onChange={(e) =>
              onChange(updateField(model, collection.key, index, changeFieldType(field, e.target.value as FieldType, model)))
            }
          >
            {FIELD_TYPES.map((ft) => (
              <option key={ft} value={ft}>
                {ft} — {t(`designer.type_${ft}` as MessageKey)}
              </option>
            ))}
          </NativeSelect>
        )}
      </Row>
      <Row label={t("designer.description")}>
        {(id) => (
          <Input id={id} value={String(field.description ?? "")} onChange={(e) => set({ description: e.target.value || undefined })} />
        )}
      </Row>

      {field.type === "relation" && (
        <>
          <Row label={t("designer.relationTarget")}>
            {(id) => (
              <NativeSelect
                id={id}
                data-testid="field-relation-target"
                value={String(field.collection ?? "")}
                onChange={(e) => set({ collection: e.target.value })}
              >
                {!model.collections.some((c) => c.name === field.collection) && (
                  <option value={String(field.collection ?? "")}>{String(field.collection ?? "") || "—"}</option>
                )}
                {model.collections.map((c) => (
                  <option key={c.key} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Row>
          <Toggle
            label={t("designer.toMany")}
            checked={field.multiple === true}
            onChange={(v) => set({ multiple: v || undefined })}
            testId="field-multiple"
          />
          <Row label={t("designer.onDelete")} hint={t("designer.onDeleteHint")}>
            {(id) => (
              <NativeSelect
                id={id}
                data-testid="field-on-delete"
                value={String(field.onDelete ?? "")}
                onChange={(e) => set({ onDelete: e.target.value || undefined })}
              >
                <option value="">{t("designer.onDeleteDefault")}</option>
                {ON_DELETE.map((o) => (
                  <option key={o} value={o}>
                    {t(`designer.onDelete_${o.replace(" ", "_")}` as MessageKey)}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Row>
        </>
      )}

      {field.type === "select" && (
        <>
          <Row label={t("designer.selectValues")} hint={t("designer.selectValuesHint")}>
            {(id) => (
              <Input
                id={id}
                data-testid="field-values"
                defaultValue={((field.values as string[] | undefined) ?? []).join(", ")}
                onBlur={(e) =>
                  set({
                    values: e.target.value
                      .split(",")
                      .map((s) => s.trim())
                      .filter(Boolean),
                  })
                }
              />
            )}
          </Row>
          <Toggle
            label={t("designer.multipleValues")}
            checked={field.multiple === true}
            onChange={(v) => set({ multiple: v || undefined, default: undefined })}
            testId="field-multiple"
          />
        </>
      )}

      {field.type === "autodate" ? (
        <>
          <Toggle
            label={t("designer.onCreate")}
            checked={field.onCreate === true}
            onChange={(v) => set({ onCreate: v })}
            testId="field-on-create"
          />
          <Toggle
            label={t("designer.onUpdate")}
            checked={field.onUpdate === true}
            onChange={(v) => set({ onUpdate: v })}
            testId="field-on-update"
          />
        </>
      ) : (
        <div className="flex flex-col gap-3 rounded-md border p-3">
          <Toggle
            label={t("designer.required")}
            checked={field.required === true}
            onChange={(v) => set({ required: v || undefined })}
            testId="field-required"
          />
          <Row label={t("designer.nullable")} hint={t("designer.nullableHint")}>
            {(id) => (
              <NativeSelect
                id={id}
                data-testid="field-nullable"
                value={field.nullable === undefined ? "" : String(field.nullable)}
                onChange={(e) => set({ nullable: e.target.value === "" ? undefined : e.target.value === "true" })}
              >
                <option value="">
                  {t("designer.nullableDefault", { value: field.required === true ? t("designer.no") : t("designer.yes") })}
                </option>
                <option value="true">{t("designer.yes")}</option>
                <option value="false">{t("designer.no")}</option>
              </NativeSelect>
            )}
          </Row>
          <Toggle
            label={t("designer.unique")}
            checked={field.unique === true}
            onChange={(v) => set({ unique: v || undefined })}
            testId="field-unique"
          />
        </div>
      )}

      {(opts.includes("min") || opts.includes("max")) && (
        <div className="grid grid-cols-2 gap-3">
          {rangeInput("min")}
          {rangeInput("max")}
        </div>
      )}
      {opts.includes("pattern") && (
        <Row label={t("designer.pattern")} hint={t("designer.patternHint")}>
          {(id) => (
            <Input
              id={id}
              data-testid="field-pattern"
              className="font-mono"
              value={String(field.pattern ?? "")}
              onChange={(e) => set({ pattern: e.target.value || undefined })}
            />
          )}
        </Row>
      )}
      {opts.includes("scale") && (
        <Row label={t("designer.scale")} hint={t("designer.scaleHint")}>
          {(id) => (
            <Input
              id={id}
              data-testid="field-scale"
              inputMode="numeric"
              value={field.scale === undefined ? "" : String(field.scale)}
              onChange={(e) => set({ scale: numberOr(e.target.value) })}
            />
          )}
        </Row>
      )}
      {opts.includes("maxSize") && (
        <Row label={t("designer.maxSize")}>
          {(id) => (
            <Input
              id={id}
              inputMode="numeric"
              value={field.maxSize === undefined ? "" : String(field.maxSize)}
              onChange={(e) => set({ maxSize: numberOr(e.target.value) })}
            />
          )}
        </Row>
      )}
      {opts.includes("default") && (
        <Row
          label={t("designer.default")}
          hint={
            field.type === "datetime"
              ? t("designer.defaultNow")
              : field.type === "date"
                ? t("designer.defaultToday")
                : field.type === "uuid"
                  ? t("designer.defaultRandom")
                  : undefined
          }
        >
          {(id) =>
            field.type === "boolean" ? (
              <NativeSelect
                id={id}
                data-testid="field-default"
                value={defaultText(field)}
                onChange={(e) => set({ default: parseDefault(field, e.target.value) })}
              >
                <option value="">{t("designer.noDefault")}</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </NativeSelect>
            ) : (
              <Input
                id={id}
                data-testid="field-default"
                className="font-mono"
                defaultValue={defaultText(field)}
                key={`${field.type}:${String(field.multiple)}`}
                onBlur={(e) => set({ default: parseDefault(field, e.target.value) })}
              />
            )
          }
        </Row>
      )}
    </fieldset>
  );
}

function RuleInput({
  model,
  collection,
  operation,
  readOnly,
  onChange,
}: {
  model: DraftModel;
  collection: DraftCollection;
  operation: RecordOperation;
  readOnly: boolean;
  onChange(value: string | null): void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref } = useProject();
  const value = collection.rules[operation];
  const mode = value === undefined || value === null ? "locked" : value === "" ? "public" : "expression";
  const [text, setText] = useState(mode === "expression" ? value! : "");
  const check = useMutation(trpc.data.expressions.check.mutationOptions());
  const { mutate } = check;
  useEffect(() => {
    if (mode !== "expression" || !value) return;
    const timer = setTimeout(
      () => mutate({ project: ref, collection: collection.name, expression: value, kind: "rule", operation, schema: toDocument(model) }),
      400,
    );
    return () => clearTimeout(timer);
    // The draft changes often; checking on the rule's own text (and collection name) is enough.
  }, [value, mode, collection.name, operation, ref, mutate]);
  const result = check.data;
  return (
    <div className="grid gap-1.5" data-testid={`rule-${operation}`}>
      <div className="flex items-center justify-between gap-2">
        <Label className="font-mono text-xs">{operation}</Label>
        <NativeSelect
          className="h-8 w-40 text-xs"
          aria-label={t("designer.ruleModeFor", { operation })}
          data-testid={`rule-mode-${operation}`}
          value={mode}
          disabled={readOnly}
          onChange={(e) => onChange(e.target.value === "locked" ? null : e.target.value === "public" ? "" : text || "auth.id != null")}
        >
          <option value="locked">{t("designer.ruleLocked")}</option>
          <option value="public">{t("designer.rulePublic")}</option>
          <option value="expression">{t("designer.ruleExpression")}</option>
        </NativeSelect>
      </div>
      {mode === "expression" && (
        <>
          <Textarea
            rows={2}
            className="font-mono text-xs"
            spellCheck={false}
            readOnly={readOnly}
            value={value ?? ""}
            data-testid={`rule-text-${operation}`}
            onChange={(e) => {
              setText(e.target.value);
              onChange(e.target.value);
            }}
          />
          {check.isError ? (
            <p className="text-xs text-destructive">{errorInfo(check.error).message}</p>
          ) : result ? (
            result.valid ? (
              <p className="flex items-center gap-1 text-xs text-success" data-testid={`rule-valid-${operation}`}>
                <CheckCircle2 className="size-3" />
                {t("designer.ruleValid")}
              </p>
            ) : (
              <ul className="text-xs text-destructive" data-testid={`rule-errors-${operation}`}>
                {result.errors.map((e, i) => (
                  <li key={i} className="flex items-start gap-1">
                    <XCircle className="mt-0.5 size-3 shrink-0" />
                    <span>
                      {e.reason} <span className="text-muted-foreground">({t("designer.ruleAt", { start: e.start, end: e.end })})</span>
                    </span>
                  </li>
                ))}
              </ul>
            )
          ) : null}
        </>
      )}
    </div>
  );
}

function IndexEditor({
  model,
  collection,
  onChange,
  readOnly,
}: {
  model: DraftModel;
  collection: DraftCollection;
  onChange(m: DraftModel): void;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const [picked, setPicked] = useState<string[]>([]);
  const [unique, setUnique] = useState(false);
  const indexable = collection.fields.filter(
    (f) => f.type !== "json" && !(f.type === "relation" && f.multiple === true) && !(f.type === "select" && f.multiple === true),
  );
  return (
    <div className="flex flex-col gap-2" data-testid="index-editor">
      {collection.indexes.length === 0 && <p className="text-xs text-muted-foreground">{t("designer.noIndexes")}</p>}
      <ul className="flex flex-col gap-1">
        {collection.indexes.map((ix, i) => (
          <li key={i} className="flex items-center gap-2 rounded-md border px-2 py-1 text-xs" data-testid={`index-${ix.fields.join("-")}`}>
            <span className="font-mono">({ix.fields.join(", ")})</span>
            {ix.unique && <span className="rounded bg-primary/15 px-1 text-primary">{t("designer.unique")}</span>}
            {!readOnly && (
              <Button
                variant="ghost"
                size="icon"
                className="ml-auto size-6"
                type="button"
                aria-label={t("designer.removeIndex")}
                onClick={() =>
                  onChange(updateCollection(model, collection.key, (c) => ({ ...c, indexes: c.indexes.filter((_, n) => n !== i) })))
                }
              >
                <Trash2 className="size-3" />
              </Button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && indexable.length > 0 && (
        <div className="flex flex-col gap-2 rounded-md border border-dashed p-2">
          <p className="text-xs text-muted-foreground">{t("designer.newIndexHint")}</p>
          <div className="flex flex-wrap gap-1">
            {indexable.map((f) => (
              <button
                key={f.name}
                type="button"
                data-testid={`index-pick-${f.name}`}
                className={cn(
                  "rounded border px-1.5 py-0.5 font-mono text-xs",
                  picked.includes(f.name) ? "border-primary bg-primary/15 text-primary" : "hover:bg-accent",
                )}
                onClick={() => setPicked((p) => (p.includes(f.name) ? p.filter((n) => n !== f.name) : [...p, f.name]))}
              >
                {picked.includes(f.name) ? `${picked.indexOf(f.name) + 1}. ` : ""}
                {f.name}
              </button>
            ))}
          </div>
          <div className="flex items-center gap-2">
            <Checkbox id={`unique-${collection.key}`} checked={unique} onCheckedChange={(v) => setUnique(v === true)} />
            <Label htmlFor={`unique-${collection.key}`} className="text-xs font-normal">
              {t("designer.unique")}
            </Label>
            <Button
              size="sm"
              variant="outline"
              className="ml-auto"
              type="button"
              data-testid="add-index"
              disabled={picked.length === 0}
              onClick={() => {
                onChange(
                  updateCollection(model, collection.key, (c) => ({
                    ...c,
                    indexes: [...c.indexes, { fields: picked, ...(unique ? { unique: true } : {}) }],
                  })),
                );
                setPicked([]);
                setUnique(false);
              }}
            >
              <Plus />
              {t("designer.addIndex")}
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}

function CollectionEditor({
  model,
  collection,
  onChange,
  onSelectField,
  onRemoved,
  readOnly,
}: {
  model: DraftModel;
  collection: DraftCollection;
  onChange(m: DraftModel): void;
  onSelectField(index: number): void;
  onRemoved(): void;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const [type, setType] = useState<FieldType>("text");
  const problem = nameProblem(collection.name, 36);
  const taken = model.collections.some((c) => c.key !== collection.key && c.name === collection.name);
  return (
    <div className="flex min-w-0 flex-col gap-4" data-testid="collection-editor">
      <fieldset disabled={readOnly} className="flex min-w-0 flex-col gap-4">
        <div className="flex items-center gap-2">
          <h2 className="text-sm font-semibold">{t("designer.collection")}</h2>
          {!readOnly && (
            <Button
              variant="ghost"
              size="sm"
              className="ml-auto text-destructive"
              type="button"
              data-testid="remove-collection"
              onClick={() => (onChange(removeCollection(model, collection.key)), onRemoved())}
            >
              <Trash2 />
              {t("designer.removeCollection")}
            </Button>
          )}
        </div>
        <Row
          label={t("designer.collectionName")}
          error={problem ? t(problem) : taken ? t("designer.nameTaken") : null}
          hint={collection.id ? t("designer.renameKeepsData") : t("designer.collectionNameHint")}
        >
          {(id) => (
            <Input
              id={id}
              data-testid="collection-name"
              className="font-mono"
              value={collection.name}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => onChange(renameCollection(model, collection.key, e.target.value.trim()))}
            />
          )}
        </Row>
        <Row label={t("designer.description")}>
          {(id) => (
            <Input
              id={id}
              value={collection.description ?? ""}
              onChange={(e) =>
                onChange(updateCollection(model, collection.key, (c) => ({ ...c, description: e.target.value || undefined })))
              }
            />
          )}
        </Row>
      </fieldset>
      <Separator />
      <div className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold">{t("designer.fields")}</h3>
        <ul className="flex flex-col gap-1" data-testid="field-list">
          {collection.fields.map((f, i) => (
            <li key={`${i}:${f.name}`} className="flex items-center gap-1">
              <button
                type="button"
                className="flex min-w-0 flex-1 items-center gap-2 rounded-md border px-2 py-1.5 text-left text-sm hover:bg-accent"
                onClick={() => onSelectField(i)}
                data-testid={`field-row-${f.name}`}
              >
                <span className="truncate font-mono">{f.name}</span>
                {f.required === true && <span className="text-destructive">*</span>}
                <TypeBadge type={f.type} className="ml-auto" />
              </button>
              {!readOnly && (
                <>
                  <Button
                    variant="ghost"
                    size="icon"
                    className="size-7"
                    type="button"
                    disabled={i === 0}
                    aria-label={t("designer.moveUp", { name: f.name })}
                    onClick={() => onChange(moveField(model, collection.key, i, -1))}
                  >
                    <ArrowUp className="size-3" />
                  </Button>
                  <Button
                    variant="ghost"
                    size="icon"
                    className="size-7"
                    type="button"
                    disabled={i === collection.fields.length - 1}
                    aria-label={t("designer.moveDown", { name: f.name })}
                    onClick={() => onChange(moveField(model, collection.key, i, 1))}
                  >
                    <ArrowDown className="size-3" />
                  </Button>
                </>
              )}
            </li>
          ))}
        </ul>
        {collection.fields.length === 0 && <p className="text-xs text-muted-foreground">{t("designer.noFieldsHint")}</p>}
        {!readOnly && (
          <div className="flex gap-2">
            <NativeSelect
              aria-label={t("designer.newFieldType")}
              data-testid="new-field-type"
              value={type}
              onChange={(e) => setType(e.target.value as FieldType)}
            >
              {FIELD_TYPES.map((ft) => (
                <option key={ft} value={ft}>
                  {ft}
                </option>
              ))}
            </NativeSelect>
            <Button
              type="button"
              variant="outline"
              data-testid="add-field"
              onClick={() => {
                onChange(
                  addField(
                    model,
                    collection.key,
                    newField(
                      type,
                      collection.fields.map((f) => f.name),
                      model,
                    ),
                  ),
                );
                onSelectField(collection.fields.length);
              }}
            >
              <Plus />
              {t("designer.addField")}
            </Button>
          </div>
        )}
      </div>
      <Separator />
      <div className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold">{t("designer.indexes")}</h3>
        <IndexEditor model={model} collection={collection} onChange={onChange} readOnly={readOnly} />
      </div>
      <Separator />
      <div className="flex flex-col gap-3">
        <div>
          <h3 className="text-sm font-semibold">{t("designer.rules")}</h3>
          <p className="text-xs text-muted-foreground">{t("designer.rulesHint")}</p>
        </div>
        {RECORD_OPERATIONS.map((op) => (
          <RuleInput
            key={`${collection.key}:${op}`}
            model={model}
            collection={collection}
            operation={op}
            readOnly={readOnly}
            onChange={(v) => onChange(updateCollection(model, collection.key, (c) => ({ ...c, rules: { ...c.rules, [op]: v } })))}
          />
        ))}
      </div>
    </div>
  );
}

/** The side panel: the selected collection's properties, or the selected field's. */
export function Inspector({
  model,
  selected,
  onChange,
  onSelect,
  readOnly,
}: {
  model: DraftModel;
  selected: { key: string; field: number | null } | null;
  onChange(m: DraftModel): void;
  onSelect(s: { key: string; field: number | null } | null): void;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const collection = selected ? model.collections.find((c) => c.key === selected.key) : undefined;
  if (!collection) {
    return (
      <div className="flex flex-col gap-2 text-sm text-muted-foreground" data-testid="inspector-empty">
        <p>{readOnly ? t("designer.inspectorHintReadOnly") : t("designer.inspectorHint")}</p>
      </div>
    );
  }
  if (selected!.field !== null && collection.fields[selected!.field]) {
    return (
      <FieldEditor
        key={`${collection.key}:${selected!.field}`}
        model={model}
        collection={collection}
        index={selected!.field}
        onChange={onChange}
        onBack={() => onSelect({ key: collection.key, field: null })}
        readOnly={readOnly}
      />
    );
  }
  return (
    <CollectionEditor
      key={collection.key}
      model={model}
      collection={collection}
      onChange={onChange}
      onSelectField={(i) => onSelect({ key: collection.key, field: i })}
      onRemoved={() => onSelect(null)}
      readOnly={readOnly}
    />
  );
}
