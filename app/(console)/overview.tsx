"use client";

import { useQuery } from "@tanstack/react-query";
import { AlertCircle, ArrowRight, CheckCircle2, Plus, RefreshCw, XCircle } from "lucide-react";
import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import { RoleBadge } from "../../components/console/role-name";
import { formatDuration } from "../../components/i18n/catalog";
import { useI18n } from "../../components/i18n/i18n-provider";
import { useTRPC } from "../../components/trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { Button } from "../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Skeleton } from "../../components/ui/skeleton";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-center justify-between gap-4 py-2 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="text-right font-medium">{children}</dd>
    </div>
  );
}

function LoadingRows({ count }: { count: number }) {
  return (
    <div className="flex flex-col gap-3 py-1" data-testid="loading">
      {Array.from({ length: count }, (_, i) => (
        <Skeleton key={i} className="h-5 w-full" />
      ))}
    </div>
  );
}

function LoadError({ message, onRetry }: { message: string; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Alert variant="destructive">
      <AlertCircle />
      <AlertTitle>{t("overview.loadFailed")}</AlertTitle>
      <AlertDescription>
        <p>{message}</p>
        <Button variant="outline" size="sm" onClick={onRetry} className="mt-2">
          <RefreshCw />
          {t("overview.retry")}
        </Button>
      </AlertDescription>
    </Alert>
  );
}

function SystemCard() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const info = useQuery(trpc.system.info.queryOptions(undefined, { refetchInterval: 30_000 }));
  // Uptime ticks between refetches from the server's own count, so clock skew does not matter.
  const [ticks, setTicks] = useState(0);
  useEffect(() => {
    setTicks(0);
    const timer = setInterval(() => setTicks((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [info.dataUpdatedAt]);

  return (
    <Card data-testid="system-card">
      <CardHeader>
        <CardTitle>{t("overview.system")}</CardTitle>
        <CardDescription>{t("overview.systemDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {info.isPending ? (
          <LoadingRows count={5} />
        ) : info.isError ? (
          <LoadError message={info.error.message} onRetry={() => info.refetch()} />
        ) : (
          <dl className="divide-y">
            <Row label={t("overview.version")}>
              <span data-testid="system-version">{info.data.version}</span>
            </Row>
            <Row label={t("overview.database")}>
              <span data-testid="system-database">{t(`kinds.${info.data.database}`)}</span>
            </Row>
            <Row label={t("overview.bus")}>{t(`kinds.${info.data.bus}`)}</Row>
            <Row label={t("overview.node")}>{info.data.node}</Row>
            <Row label={t("overview.uptime")}>
              <span data-testid="system-uptime">{formatDuration(info.data.uptimeSeconds + ticks, locale)}</span>
            </Row>
            <Row label={t("overview.startedAt")}>
              {new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(info.data.startedAt))}
            </Row>
          </dl>
        )}
      </CardContent>
    </Card>
  );
}

function HealthCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const health = useQuery(trpc.system.health.queryOptions(undefined, { refetchInterval: 15_000 }));
  const checks = health.data
    ? ([
        ["database", health.data.checks.database],
        ["bus", health.data.checks.bus],
      ] as const)
    : [];
  return (
    <Card data-testid="health-card">
      <CardHeader>
        <div className="flex items-center justify-between gap-2">
          <CardTitle>{t("overview.health")}</CardTitle>
          {health.data && (
            <Badge variant={health.data.ready ? "success" : "destructive"} data-testid="health-status">
              {health.data.ready ? t("overview.ready") : t("overview.notReady")}
            </Badge>
          )}
        </div>
        <CardDescription>{t("overview.healthDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {health.isPending ? (
          <LoadingRows count={2} />
        ) : health.isError ? (
          <LoadError message={health.error.message} onRetry={() => health.refetch()} />
        ) : (
          <dl className="divide-y">
            {checks.map(([name, check]) => (
              <Row key={name} label={t(name === "database" ? "overview.database" : "overview.bus")}>
                <span className="inline-flex items-center gap-1.5">
                  {check.ok ? <CheckCircle2 className="size-4 text-success" /> : <XCircle className="size-4 text-destructive" />}
                  {check.ok ? t("overview.checkOk") : t("overview.checkFailed")}
                  <span className="text-xs font-normal text-muted-foreground">{check.ms} ms</span>
                </span>
              </Row>
            ))}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}

function ApiCard() {
  const { t } = useI18n();
  const [origin, setOrigin] = useState("");
  useEffect(() => setOrigin(window.location.origin), []);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("overview.api")}</CardTitle>
        <CardDescription>{t("overview.apiDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        <Row label={t("overview.apiBase")}>
          <code className="font-mono text-xs">{origin}/api/v1</code>
        </Row>
        <div>
          <p className="mb-1.5 text-muted-foreground">{t("overview.apiTry")}</p>
          <pre className="overflow-x-auto rounded-md bg-muted px-3 py-2 font-mono text-xs">curl {origin}/api/v1/ping</pre>
        </div>
      </CardContent>
    </Card>
  );
}

/** The account's projects, a few at a time, with the way to all of them and to a new one. */
function ProjectsCard() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const projects = useQuery(trpc.projects.list.queryOptions());
  return (
    <Card data-testid="projects-card">
      <CardHeader>
        <div className="flex items-center justify-between gap-2">
          <CardTitle>{t("overview.projects")}</CardTitle>
          <Button asChild variant="ghost" size="sm">
            <Link href="/projects">
              {t("overview.allProjects")}
              <ArrowRight />
            </Link>
          </Button>
        </div>
        <CardDescription>{t("overview.projectsDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {projects.isPending ? (
          <LoadingRows count={2} />
        ) : projects.isError ? (
          <LoadError message={projects.error.message} onRetry={() => projects.refetch()} />
        ) : projects.data.length === 0 ? (
          <div className="flex flex-col items-start gap-3 text-sm text-muted-foreground">
            <p>{t("projects.emptyBody")}</p>
            <Button asChild size="sm">
              <Link href="/projects?create=1">
                <Plus />
                {t("projects.new")}
              </Link>
            </Button>
          </div>
        ) : (
          <ul className="divide-y">
            {projects.data.slice(0, 5).map((p) => (
              <li key={p.id}>
                <Link
                  href={`/projects/${encodeURIComponent(p.slug)}`}
                  className="flex items-center justify-between gap-3 py-2 text-sm hover:text-primary"
                >
                  <span className="truncate font-medium">{p.name}</span>
                  <RoleBadge role={p.role} />
                </Link>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

export function Overview() {
  const { t } = useI18n();
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{t("overview.title")}</h1>
        <p className="text-sm text-muted-foreground">{t("overview.subtitle")}</p>
      </div>
      <ProjectsCard />
      <div className="grid gap-6 lg:grid-cols-2">
        <SystemCard />
        <div className="flex flex-col gap-6">
          <HealthCard />
          <ApiCard />
        </div>
      </div>
    </div>
  );
}
