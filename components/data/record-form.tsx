"use client";

import { useQuery } from "@tanstack/react-query";
import { Check, Search, X } from "lucide-react";
import { useState } from "react";
import { errorInfo } from "../console/errors";
import { Field as FormField } from "../console/form";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { useTRPC } from "../trpc/trpc-provider";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Checkbox } from "../ui/checkbox";
import { Input } from "../ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../ui/select";
import { Switch } from "../ui/switch";
import { Textarea } from "../ui/textarea";
import { celString, editableFields, fromText, labelField, toText, type Collection, type Field, type RecordRow } from "./model";

const NONE = "__none__";

/** Per-field codes of `validation_failed` the console words itself (others show the server's summary). */
const FIELD_CODES = [
  "required",
  "null_not_allowed",
  "invalid_type",
  "too_short",
  "too_long",
  "too_small",
  "too_large",
  "too_few",
  "too_many",
  "pattern_mismatch",
  "invalid_email",
  "invalid_url",
  "invalid_uuid",
  "invalid_date",
  "invalid_datetime",
  "invalid_decimal",
  "too_many_decimals",
  "invalid_option",
  "invalid_relation",
  "not_unique",
  "json_too_large",
  "unknown",
] as const;

/** A field's problem from a failed write, in the user's language. */
export function useFieldError() {
  const { t } = useI18n();
  return (issue: { code?: string } & Record<string, unknown>): string => {
    const code = String(issue.code ?? "");
    const vars = Object.fromEntries(Object.entries(issue).filter(([, v]) => typeof v === "string" || typeof v === "number")) as Record<
      string,
      string | number
    >;
    return (FIELD_CODES as readonly string[]).includes(code)
      ? t(`browser.fieldError_${code}` as MessageKey, vars)
      : t("browser.fieldErrorOther", { code });
  };
}

/** Field messages of a `validation_failed` error, by field name. */
export function fieldErrorsOf(error: unknown, word: (issue: Record<string, unknown>) => string): Record<string, string> {
  const info = errorInfo(error);
  if (info.code !== "validation_failed") return {};
  const fields = (info.details.fields ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([name, issue]) => [name, word(issue)]));
}

/** Searches a relation's target collection and picks one record (to one) or several (to many). */
export function RelationPicker({
  project,
  field,
  target,
  value,
  onChange,
  disabled,
}: {
  project: string;
  field: Extract<Field, { type: "relation" }>;
  target: Collection | undefined;
  value: string[];
  onChange: (ids: string[]) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const label = labelField(target);
  const term = search.trim();
  const filter =
    term === ""
      ? undefined
      : label
        ? `${label}.lowerAscii().contains(${celString(term.toLowerCase())}) || id == ${celString(term)}`
        : `id == ${celString(term)}`;
  const results = useQuery({
    ...trpc.records.list.queryOptions({
      project,
      collection: field.collection,
      perPage: 8,
      ...(filter ? { filter } : {}),
      ...(label ? { sort: label } : {}),
    }),
    placeholderData: (p) => p,
  });
  const chosen = useQuery({
    ...trpc.records.list.queryOptions({
      project,
      collection: field.collection,
      perPage: 100,
      filter: `id in [${value.map(celString).join(", ")}]`,
    }),
    enabled: value.length > 0,
  });
  const nameOf = (id: string) => {
    const row = chosen.data?.items.find((r) => r.id === id) ?? results.data?.items.find((r) => r.id === id);
    return row && label && row[label] ? String(row[label]) : id;
  };
  const toggle = (id: string) => {
    if (field.multiple) onChange(value.includes(id) ? value.filter((v) => v !== id) : [...value, id]);
    else onChange(value[0] === id ? [] : [id]);
  };
  return (
    <div className="flex flex-col gap-2 rounded-md border p-2" data-testid={`relation-picker-${field.name}`}>
      {value.length > 0 && (
        <div className="flex flex-wrap gap-1" data-testid={`relation-chosen-${field.name}`}>
          {value.map((id) => (
            <Badge key={id} variant="secondary" className="gap-1 text-sm">
              {nameOf(id)}
              {!disabled && (
                <button
                  type="button"
                  aria-label={t("browser.relationRemove", { name: nameOf(id) })}
                  onClick={() => toggle(id)}
                  className="rounded-sm opacity-70 hover:opacity-100"
                >
                  <X className="size-3" />
                </button>
              )}
            </Badge>
          ))}
        </div>
      )}
      {!disabled && (
        <>
          <div className="relative">
            <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" />
            <Input
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder={t("browser.relationSearch", { collection: field.collection })}
              aria-label={t("browser.relationSearch", { collection: field.collection })}
              className="pl-8"
            />
          </div>
          <ul className="flex max-h-40 flex-col overflow-y-auto text-sm">
            {results.isError ? (
              <li className="px-2 py-1 text-destructive">{errorInfo(results.error).message}</li>
            ) : results.data?.items.length === 0 ? (
              <li className="px-2 py-1 text-muted-foreground">{t("browser.relationNone")}</li>
            ) : (
              results.data?.items.map((r: RecordRow) => (
                <li key={r.id}>
                  <button
                    type="button"
                    onClick={() => toggle(r.id)}
                    className="flex w-full items-center justify-between gap-2 rounded-sm px-2 py-1 text-left hover:bg-accent"
                    data-testid="relation-option"
                  >
                    <span className="truncate">{label && r[label] ? String(r[label]) : r.id}</span>
                    <span className="flex items-center gap-2 font-mono text-xs text-muted-foreground">
                      {r.id}
                      {value.includes(r.id) && <Check className="size-3.5 text-foreground" />}
                    </span>
                  </button>
                </li>
              ))
            )}
          </ul>
        </>
      )}
    </div>
  );
}

/** A JSON value as text, checked as it is typed, with a button that formats it. */
export function JsonEditor({
  id,
  value,
  onChange,
  disabled,
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  let problem: string | null = null;
  if (value.trim() !== "") {
    try {
      JSON.parse(value);
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  return (
    <div className="flex flex-col gap-1">
      <Textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={4}
        spellCheck={false}
        disabled={disabled}
        className="font-mono text-xs"
        aria-invalid={problem !== null || undefined}
        data-testid={`json-${id}`}
      />
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs text-destructive" role={problem ? "alert" : undefined}>
          {problem ? t("browser.jsonInvalid", { reason: problem }) : ""}
        </span>
        <Button
          type="button"
          size="sm"
          variant="ghost"
          disabled={disabled || problem !== null || value.trim() === ""}
          onClick={() => onChange(JSON.stringify(JSON.parse(value), null, 2))}
        >
          {t("browser.jsonFormat")}
        </Button>
      </div>
    </div>
  );
}

type Draft = Record<string, unknown>;

/** The editor's state of a field's value: text for text-like fields, booleans, id lists. */
function draftOf(f: Field, value: unknown): unknown {
  if (f.type === "boolean") return value === true;
  if (f.type === "relation") return Array.isArray(value) ? value : typeof value === "string" && value ? [value] : [];
  if (f.type === "select" && f.multiple) return Array.isArray(value) ? value : [];
  if (f.type === "select") return typeof value === "string" ? value : "";
  return toText(f, value);
}

/** The API value of a field's editor state (throws on JSON that does not parse). */
function valueOf(f: Field, draft: unknown): unknown {
  if (f.type === "boolean") return draft === true;
  if (f.type === "relation") return f.multiple ? draft : ((draft as string[])[0] ?? null);
  if (f.type === "select" && f.multiple) return draft;
  if (f.type === "select") return draft === "" ? null : draft;
  return fromText(f, String(draft ?? ""));
}

/** One field's editor, by its type. */
export function FieldEditor({
  project,
  field,
  collections,
  draft,
  onChange,
  disabled,
}: {
  project: string;
  field: Field;
  collections: readonly Collection[];
  draft: unknown;
  onChange: (v: unknown) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const id = `field-${field.name}`;
  switch (field.type) {
    case "boolean":
      return <Switch id={id} checked={draft === true} onCheckedChange={(v) => onChange(v)} disabled={disabled} />;
    case "json":
      return <JsonEditor id={id} value={String(draft ?? "")} onChange={onChange} disabled={disabled} />;
    case "relation":
      return (
        <RelationPicker
          project={project}
          field={field}
          target={collections.find((c) => c.name === field.collection)}
          value={draft as string[]}
          onChange={onChange}
          disabled={disabled}
        />
      );
    case "select":
      if (field.multiple)
        return (
          <div className="flex flex-wrap gap-3" id={id}>
            {field.values.map((v) => (
              <label key={v} className="flex items-center gap-1.5 text-sm">
                <Checkbox
                  checked={(draft as string[]).includes(v)}
                  disabled={disabled}
                  onCheckedChange={(on) => onChange(on ? [...(draft as string[]), v] : (draft as string[]).filter((x) => x !== v))}
                />
                {v}
              </label>
            ))}
          </div>
        );
      return (
        <Select value={(draft as string) || NONE} onValueChange={(v) => onChange(v === NONE ? "" : v)} disabled={disabled}>
          <SelectTrigger id={id} className="w-full">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={NONE}>{t("browser.selectNone")}</SelectItem>
            {field.values.map((v) => (
              <SelectItem key={v} value={v}>
                {v}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      );
    default: {
      const type =
        field.type === "integer" || field.type === "number"
          ? "number"
          : field.type === "date"
            ? "date"
            : field.type === "datetime"
              ? "datetime-local"
              : field.type === "email"
                ? "email"
                : field.type === "url"
                  ? "url"
                  : "text";
      return (
        <Input
          id={id}
          type={type}
          step={field.type === "number" ? "any" : undefined}
          inputMode={field.type === "decimal" ? "decimal" : undefined}
          value={String(draft ?? "")}
          onChange={(e) => onChange(e.target.value)}
          disabled={disabled}
          className={field.type === "uuid" || field.type === "decimal" ? "font-mono" : undefined}
        />
      );
    }
  }
}

/**
 * The create/edit form of a record: one editor per field. `onSubmit` gets the API data: on create
 * the fields filled in, on edit the fields changed.
 */
export function RecordForm({
  project,
  collection,
  collections,
  record,
  errors,
  disabled,
  formId,
  onSubmit,
}: {
  project: string;
  collection: Collection;
  collections: readonly Collection[];
  record: RecordRow | null;
  errors: Record<string, string>;
  disabled?: boolean;
  formId: string;
  onSubmit: (data: Record<string, unknown>) => void;
}) {
  const { t } = useI18n();
  const fields = editableFields(collection);
  const [draft, setDraft] = useState<Draft>(() => Object.fromEntries(fields.map((f) => [f.name, draftOf(f, record?.[f.name] ?? null)])));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (name: string, v: unknown) => {
    setDraft((d) => ({ ...d, [name]: v }));
    setTouched((s) => new Set(s).add(name));
    setLocal((l) => ({ ...l, [name]: "" }));
  };
  return (
    <form
      id={formId}
      noValidate
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        const data: Record<string, unknown> = {};
        const problems: Record<string, string> = {};
        for (const f of fields) {
          if (!touched.has(f.name)) continue;
          try {
            data[f.name] = valueOf(f, draft[f.name]);
          } catch (err) {
            problems[f.name] = t("browser.jsonInvalid", { reason: (err as Error).message });
          }
        }
        setLocal(problems);
        if (Object.keys(problems).length === 0) onSubmit(data);
      }}
    >
      {fields.map((f) => (
        <FormField
          key={f.name}
          id={`field-${f.name}`}
          label={
            <span className="flex items-center gap-2">
              <span className="font-mono">{f.name}</span>
              <span className="text-xs font-normal text-muted-foreground">
                {f.type}
                {f.type === "relation" ? ` → ${f.collection}` : ""}
                {f.required ? ` · ${t("browser.required")}` : ""}
              </span>
            </span>
          }
          error={local[f.name] || errors[f.name]}
          hint={f.description}
        >
          <FieldEditor
            project={project}
            field={f}
            collections={collections}
            draft={draft[f.name]}
            onChange={(v) => set(f.name, v)}
            disabled={disabled}
          />
        </FormField>
      ))}
    </form>
  );
}
