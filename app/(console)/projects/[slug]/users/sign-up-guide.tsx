"use client";

import { TriangleAlert } from "lucide-react";
import Link from "next/link";
import { CodeBlock, CopyField } from "../../../../../components/console/copy-field";
import { LoadingRows, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Alert, AlertDescription, AlertTitle } from "../../../../../components/ui/alert";
import { useProject } from "../project-context";
import { useAuthEndpoints, useAuthSettings } from "../use-auth";

/** How an app creates users: the project's auth API, a sign-up call to paste, and the calls that follow. */
export function SignUpGuide() {
  const { t } = useI18n();
  const { project } = useProject();
  const endpoints = useAuthEndpoints();
  const settings = useAuthSettings();
  if (endpoints.isPending) return <LoadingRows count={3} />;
  if (endpoints.isError) return <QueryError error={endpoints.error} onRetry={() => endpoints.refetch()} />;
  const base = endpoints.data.restBase;
  const curl = [
    `curl -X POST ${base}/sign-up \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"email":"ada@example.com","password":"a long passphrase","name":"Ada"}'`,
  ].join("\n");
  return (
    <div className="flex flex-col gap-4 text-left" data-testid="sign-up-guide">
      {settings.data && !settings.data.signUpEnabled && (
        <Alert>
          <TriangleAlert />
          <AlertTitle>{t("appUsers.signUpOffTitle")}</AlertTitle>
          <AlertDescription>
            <p>
              {t("appUsers.signUpOffBody")}{" "}
              <Link
                href={`/projects/${encodeURIComponent(project.slug)}/auth`}
                className="font-medium text-foreground underline underline-offset-4"
              >
                {t("nav.authSettings")}
              </Link>
            </p>
          </AlertDescription>
        </Alert>
      )}
      <CopyField label={t("appUsers.restBase")} value={base} testId="auth-rest-base" hint={t("appUsers.restBaseHint")} />
      <div className="grid gap-1.5">
        <p className="text-sm font-medium">{t("appUsers.signUpExample")}</p>
        <CodeBlock code={curl} label={t("appUsers.copyExample")} testId="sign-up-curl" />
        <p className="text-xs text-muted-foreground">{t("appUsers.signUpExampleHint")}</p>
      </div>
      <ul className="grid gap-1 text-xs text-muted-foreground sm:grid-cols-2">
        {(
          [
            ["POST", "/sign-in", "appUsers.apiSignIn"],
            ["POST", "/refresh", "appUsers.apiRefresh"],
            ["GET", "/me", "appUsers.apiMe"],
            ["GET", "/jwks", "appUsers.apiJwks"],
          ] as const
        ).map(([method, path, label]) => (
          <li key={path} className="flex items-baseline gap-2">
            <code className="font-mono text-foreground">
              {method} {path}
            </code>
            <span>{t(label)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
