"use client";

import { useI18n } from "../components/i18n/i18n-provider";
import { Button } from "../components/ui/button";

/** A page that threw while rendering: say so, give the reference, offer a retry. */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const { t } = useI18n();
  return (
    <div role="alert" className="mx-auto flex max-w-md flex-col items-center gap-3 py-24 text-center">
      <h1 className="text-xl font-semibold">{t("error.title")}</h1>
      <p className="text-sm text-muted-foreground">{t("error.body", { digest: error.digest ?? "—" })}</p>
      <Button onClick={reset} className="mt-2">
        {t("error.retry")}
      </Button>
    </div>
  );
}
