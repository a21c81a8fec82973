"use client";

import Link from "next/link";
import { useI18n } from "../components/i18n/i18n-provider";
import { Button } from "../components/ui/button";

export default function NotFound() {
  const { t } = useI18n();
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-24 text-center">
      <p className="text-5xl font-bold text-muted-foreground">404</p>
      <h1 className="text-xl font-semibold">{t("notFound.title")}</h1>
      <p className="text-sm text-muted-foreground">{t("notFound.body")}</p>
      <Button asChild variant="outline" className="mt-2">
        <Link href="/">{t("notFound.home")}</Link>
      </Button>
    </div>
  );
}
