"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { useI18n } from "../i18n/i18n-provider";
import { Button } from "../ui/button";

/** Copies a value to the clipboard and says so. */
export function CopyButton({
  value,
  label,
  size = "sm",
  variant = "outline",
}: {
  value: string;
  label?: string;
  size?: "sm" | "icon";
  variant?: "outline" | "ghost";
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
      toast.success(t("common.copied"));
    } catch {
      toast.error(t("common.copyFailed"));
    }
  }
  return (
    <Button type="button" variant={variant} size={size} onClick={copy} aria-label={label ?? t("common.copy")}>
      {copied ? <Check /> : <Copy />}
      {size !== "icon" && (label ?? t("common.copy"))}
    </Button>
  );
}
