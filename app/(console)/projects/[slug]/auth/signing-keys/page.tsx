"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, RotateCw } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDialog } from "../../../../../../components/console/confirm-dialog";
import { CopyField } from "../../../../../../components/console/copy-field";
import { formatDateTime, formatRelative } from "../../../../../../components/console/format";
import { EmptyState, LoadingRows, QueryCard, QueryError } from "../../../../../../components/console/states";
import { formatDuration } from "../../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import type { SigningKeyView } from "../../../../../../server/modules/auth/tokens";
import { RequirePermission, useProject } from "../../project-context";
import { useAuthEndpoints, useAuthSettings } from "../../use-auth";

function KeyState({ signingKey, now }: { signingKey: SigningKeyView; now: number }) {
  const { t, locale } = useI18n();
  if (signingKey.active) return <Badge variant="success">{t("signingKeys.active")}</Badge>;
  if (signingKey.verifyUntil && Date.parse(signingKey.verifyUntil) > now)
    return (
      <span className="flex flex-wrap items-center gap-2">
        <Badge variant="secondary">{t("signingKeys.retired")}</Badge>
        <span className="text-xs text-muted-foreground" title={formatDateTime(signingKey.verifyUntil, locale)}>
          {t("signingKeys.verifiesUntil", { when: formatDateTime(signingKey.verifyUntil, locale) })}
        </span>
      </span>
    );
  return <Badge variant="outline">{t("signingKeys.expired")}</Badge>;
}

function RotateDialog({ onClose }: { onClose: () => void }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const settings = useAuthSettings();
  const ttl = settings.data ? formatDuration(settings.data.accessTokenTtlSeconds, locale) : "…";
  const rotate = useMutation(
    trpc.auth.signingKeys.rotate.mutationOptions({
      onSuccess: async (k) => {
        toast.success(t("signingKeys.rotated", { kid: k.kid }));
        await queryClient.invalidateQueries({ queryKey: trpc.auth.signingKeys.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <ConfirmDialog
      title={t("signingKeys.rotateTitle")}
      description={t("signingKeys.rotateBody", { ttl })}
      confirmLabel={t("signingKeys.rotate")}
      onConfirm={() => rotate.mutateAsync({ project: ref })}
      onClose={onClose}
    />
  );
}

function SigningKeys() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, project } = useProject();
  const endpoints = useAuthEndpoints();
  const keys = useQuery(trpc.auth.signingKeys.list.queryOptions({ project: ref }));
  const [rotating, setRotating] = useState(false);
  const now = keys.dataUpdatedAt || Date.now();
  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle>{t("signingKeys.jwks")}</CardTitle>
          <CardDescription>{t("signingKeys.jwksDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          {endpoints.isPending ? (
            <LoadingRows count={2} />
          ) : endpoints.isError ? (
            <QueryError error={endpoints.error} onRetry={() => endpoints.refetch()} />
          ) : (
            <>
              <CopyField label={t("authSettings.jwksUrl")} value={endpoints.data.jwksUri} testId="jwks-url" />
              <CopyField label={t("authSettings.issuer")} value={endpoints.data.issuer} hint={t("signingKeys.issuerHint")} />
            </>
          )}
        </CardContent>
      </Card>
      <QueryCard
        query={keys}
        loadingRows={2}
        header={
          <CardHeader className="flex flex-row items-start justify-between gap-4 border-b py-5">
            <div className="grid gap-1">
              <CardTitle>{t("signingKeys.title")}</CardTitle>
              <CardDescription>{t("signingKeys.description")}</CardDescription>
            </div>
            {!project.archived && (
              <Button variant="outline" onClick={() => setRotating(true)} disabled={!keys.data} data-testid="rotate-key">
                <RotateCw />
                {t("signingKeys.rotate")}
              </Button>
            )}
          </CardHeader>
        }
        empty={
          keys.data?.length === 0 && <EmptyState icon={KeyRound} title={t("signingKeys.emptyTitle")} body={t("signingKeys.emptyBody")} />
        }
      >
        {(data) => (
          <Table data-testid="signing-keys-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("signingKeys.kid")}</TableHead>
                <TableHead className="hidden sm:table-cell">{t("signingKeys.algorithm")}</TableHead>
                <TableHead>{t("signingKeys.state")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("signingKeys.created")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((k) => (
                <TableRow key={k.kid} data-testid={`signing-key-${k.kid}`}>
                  <TableCell className="pl-5 font-mono text-xs">{k.kid}</TableCell>
                  <TableCell className="hidden sm:table-cell">
                    <Badge variant="outline">{k.algorithm}</Badge>
                  </TableCell>
                  <TableCell>
                    <KeyState signingKey={k} now={now} />
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell" title={formatDateTime(k.createdAt, locale)}>
                    {formatRelative(k.createdAt, locale)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {rotating && <RotateDialog onClose={() => setRotating(false)} />}
    </>
  );
}

export default function SigningKeysPage() {
  return (
    <RequirePermission permission="auth:configure">
      <SigningKeys />
    </RequirePermission>
  );
}
