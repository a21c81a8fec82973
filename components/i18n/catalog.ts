import en from "../../messages/en.json";
import zhCN from "../../messages/zh-CN.json";
import type { Locale } from "../../server/platform/errors/locale";

export type Messages = typeof en;

/** Dotted paths to every string in the English catalog, e.g. "overview.title". */
export type MessageKey = {
  [Section in keyof Messages]: `${Section & string}.${keyof Messages[Section] & string}`;
}[keyof Messages];

export const catalogs: Record<Locale, Messages> = { en, "zh-CN": zhCN };

export const localeNames: Record<Locale, string> = { en: "English", "zh-CN": "简体中文" };

/** The string for a key in a locale, with `{name}` placeholders filled from `vars`. */
export function translate(locale: Locale, key: MessageKey, vars?: Record<string, string | number>): string {
  const [section, name] = key.split(".") as [keyof Messages, string];
  const template =
    (catalogs[locale][section] as Record<string, string> | undefined)?.[name] ??
    (catalogs.en[section] as Record<string, string>)[name] ??
    key;
  return vars ? template.replace(/\{(\w+)\}/g, (whole, v: string) => (vars[v] === undefined ? whole : String(vars[v]))) : template;
}

/** A duration in the largest whole unit that fits, e.g. "3 hours" / "3小时". */
export function formatDuration(seconds: number, locale: Locale): string {
  const units: Array<[Intl.NumberFormatOptions["unit"], number]> = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
    ["second", 1],
  ];
  const [unit, size] = units.find(([, s]) => seconds >= s) ?? units[units.length - 1]!;
  return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "long" }).format(Math.floor(seconds / size));
}
