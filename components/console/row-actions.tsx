"use client";

import { MoreHorizontal, Pencil, Trash2 } from "lucide-react";
import { useI18n } from "../i18n/i18n-provider";
import { Button } from "../ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../ui/dropdown-menu";
import { TableHead } from "../ui/table";

/** The heading of a table's actions column: named for screen readers only. */
export function ActionsHead({ className = "w-12" }: { className?: string }) {
  const { t } = useI18n();
  return (
    <TableHead className={className}>
      <span className="sr-only">{t("common.actions")}</span>
    </TableHead>
  );
}

/** A table row's "…" menu with Edit and Delete; `label` names the row ("Actions for editor"). */
export function EditDeleteMenu({ label, onEdit, onDelete }: { label: string; onEdit: () => void; onDelete: () => void }) {
  const { t } = useI18n();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={label}>
          <MoreHorizontal />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={onEdit}>
          <Pencil />
          {t("common.edit")}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={onDelete} className="text-destructive focus:text-destructive">
          <Trash2 />
          {t("common.delete")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
