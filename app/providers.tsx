"use client";

import type { ReactNode } from "react";
import { I18nProvider } from "../components/i18n/i18n-provider";
import { ThemeProvider } from "../components/shell/theme";
import type { Theme } from "../components/shell/theme-cookie";
import { TrpcQueryProvider } from "../components/trpc/trpc-provider";
import { Toaster } from "../components/ui/toaster";
import { TooltipProvider } from "../components/ui/tooltip";
import type { Locale } from "../server/platform/errors/locale";

export function Providers({ locale, theme, children }: { locale: Locale; theme: Theme; children: ReactNode }) {
  return (
    <I18nProvider initialLocale={locale}>
      <ThemeProvider initialTheme={theme}>
        <TrpcQueryProvider>
          <TooltipProvider delayDuration={300}>{children}</TooltipProvider>
          <Toaster />
        </TrpcQueryProvider>
      </ThemeProvider>
    </I18nProvider>
  );
}
