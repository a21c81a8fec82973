"use client";

import { useI18n } from "../i18n/i18n-provider";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../ui/select";
import type { Collection } from "./model";

/** The collection picker shared by the browser and the rules page. */
export function CollectionPicker({
  collections,
  value,
  onChange,
}: {
  collections: readonly Collection[];
  value: string;
  onChange: (name: string) => void;
}) {
  const { t } = useI18n();
  return (
    <Select value={value} onValueChange={onChange}>
      <SelectTrigger className="w-56 font-mono" aria-label={t("browser.collection")} data-testid="collection-picker">
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {collections.map((c) => (
          <SelectItem key={c.name} value={c.name} className="font-mono">
            {c.name}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}
