import { cn } from "../../../../../../components/ui/cn";
import type { FieldType } from "../../../../../../components/designer/model-draft";

/** Colour families per kind of type, readable in light and dark themes. */
const tone: Record<FieldType, string> = {
  text: "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  email: "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  url: "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  integer: "bg-amber-500/15 text-amber-700 dark:text-amber-300",
  number: "bg-amber-500/15 text-amber-700 dark:text-amber-300",
  decimal: "bg-amber-500/15 text-amber-700 dark:text-amber-300",
  boolean: "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300",
  json: "bg-fuchsia-500/15 text-fuchsia-700 dark:text-fuchsia-300",
  datetime: "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  date: "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  autodate: "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  uuid: "bg-slate-500/15 text-slate-700 dark:text-slate-300",
  select: "bg-teal-500/15 text-teal-700 dark:text-teal-300",
  relation: "bg-primary/15 text-primary",
};

/** A field type as a small badge (type names are the DSL's, not translated). */
export function TypeBadge({ type, className }: { type: FieldType; className?: string }) {
  return (
    <span className={cn("shrink-0 rounded px-1.5 py-px font-mono text-[10px] leading-4", tone[type] ?? tone.text, className)}>{type}</span>
  );
}
