import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import type { ReactNode } from "react";
import { THEME_COOKIE, parseTheme, themeBootScript } from "../components/shell/theme-cookie";
import { LOCALE_COOKIE, matchLocale, negotiateLocale } from "../server/platform/errors/locale";
// Fonts ship with the console (no network at run time); unicode-range subsets load only when a page uses their glyphs.
import "@fontsource-variable/inter";
import "@fontsource-variable/noto-sans-sc";
import "./globals.css";
import { Providers } from "./providers";

export const metadata: Metadata = {
  title: "apprun",
  description: "apprun console",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const [cookieStore, headerList] = await Promise.all([cookies(), headers()]);
  const locale = matchLocale(cookieStore.get(LOCALE_COOKIE)?.value) ?? negotiateLocale(headerList.get("accept-language"));
  const theme = parseTheme(cookieStore.get(THEME_COOKIE)?.value);
  return (
    <html lang={locale} className={theme === "dark" ? "dark" : undefined} suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeBootScript }} />
      </head>
      <body>
        <Providers locale={locale} theme={theme}>
          {children}
        </Providers>
      </body>
    </html>
  );
}
