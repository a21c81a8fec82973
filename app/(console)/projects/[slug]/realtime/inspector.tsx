"use client";

import { useQuery } from "@tanstack/react-query";
import { Cable, Pause, Play } from "lucide-react";
import { useState } from "react";
import { formatDateTime, formatRelative } from "../../../../../components/console/format";
import { LoadingRows, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { useProject } from "../project-context";

const REFRESH_MS = 2000;

/** The browser's address of the realtime WebSocket: the console and the API share one origin. */
export function realtimeUrl(): string {
  if (typeof window === "undefined") return "/realtime";
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/realtime`;
}

export function PrincipalLabel({ auth }: { auth: { type: string; id: string | null } }) {
  const { t } = useI18n();
  const kind =
    auth.type === "user"
      ? t("realtime.principalUser")
      : auth.type === "apiKey"
        ? t("realtime.principalApiKey")
        : t("realtime.principalAnonymous");
  return (
    <span className="flex flex-col">
      <span>{kind}</span>
      {auth.id && <span className="font-mono text-xs text-muted-foreground">{auth.id}</span>}
    </span>
  );
}

/** How apps connect: the auth frame and a subscribe frame, with this project and this server's URL. */
function ConnectSnippet() {
  const { t } = useI18n();
  const { project } = useProject();
  const url = realtimeUrl();
  const snippet = [
    `const ws = new WebSocket("${url}");`,
    `ws.onopen = () => {`,
    `  ws.send(JSON.stringify({ type: "auth", project: "${project.slug}", token: "<${t("realtime.token")}>" }));`,
    `  ws.send(JSON.stringify({ type: "subscribe", channel: "collections/posts" }));`,
    `  ws.send(JSON.stringify({ type: "subscribe", channel: "channels/lobby" }));`,
    `};`,
    `ws.onmessage = (e) => console.log(JSON.parse(e.data)); // { type: "event" | "message" | "presence", … }`,
  ].join("\n");
  return (
    <div className="flex flex-col items-center gap-3 rounded-lg border border-dashed px-6 py-8" data-testid="empty-state">
      <div className="flex size-10 items-center justify-center rounded-full bg-muted">
        <Cable className="size-5 text-muted-foreground" />
      </div>
      <p className="font-medium">{t("realtime.noClientsTitle")}</p>
      <p className="max-w-xl text-center text-sm text-muted-foreground">{t("realtime.noClientsBody", { url })}</p>
      <pre className="w-full max-w-3xl overflow-x-auto rounded-md bg-muted p-3 text-left font-mono text-xs" data-testid="connect-snippet">
        {snippet}
      </pre>
      <p className="max-w-xl text-center text-xs text-muted-foreground">{t("realtime.protocolMore", { url })}</p>
    </div>
  );
}

/** This node's connections of the project, subscriptions per channel, presence; refreshed every 2 s unless paused. */
export function Inspector() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref } = useProject();
  const [paused, setPaused] = useState(false);
  const inspect = useQuery(trpc.realtime.inspect.queryOptions({ project: ref }, { refetchInterval: paused ? false : REFRESH_MS }));
  const data = inspect.data;
  const fmt = new Intl.NumberFormat(locale);
  return (
    <div className="flex flex-col gap-4" data-testid="inspector">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
          {data && (
            <>
              <Badge variant="outline" data-testid="node">
                {t("realtime.node", { node: data.node })}
              </Badge>
              <span data-testid="log-range">
                {data.log && data.log.messages > 0
                  ? t("realtime.logRange", { first: data.log.firstSeq, last: data.log.lastSeq, count: fmt.format(data.log.messages) })
                  : t("realtime.logEmpty")}
              </span>
            </>
          )}
        </div>
        <div className="flex items-center gap-2">
          <span className="text-xs text-muted-foreground" aria-live="polite">
            {paused ? t("realtime.paused") : t("realtime.refreshing")}
          </span>
          <Button variant="outline" size="sm" onClick={() => setPaused((p) => !p)} aria-pressed={paused} data-testid="inspector-pause">
            {paused ? <Play /> : <Pause />}
            {paused ? t("realtime.resume") : t("realtime.pause")}
          </Button>
        </div>
      </div>
      {inspect.isPending ? (
        <LoadingRows count={4} />
      ) : inspect.isError ? (
        <QueryError error={inspect.error} onRetry={() => inspect.refetch()} />
      ) : data!.connections.length === 0 ? (
        <ConnectSnippet />
      ) : (
        <>
          <Card>
            <CardHeader>
              <CardTitle>{t("realtime.clients")}</CardTitle>
              <CardDescription>{t("realtime.clientsDescription")}</CardDescription>
            </CardHeader>
            <CardContent className="px-0">
              <Table data-testid="connections-table">
                <TableHeader>
                  <TableRow>
                    <TableHead className="pl-6">{t("realtime.colConnection")}</TableHead>
                    <TableHead>{t("realtime.colPrincipal")}</TableHead>
                    <TableHead>{t("realtime.colTransport")}</TableHead>
                    <TableHead className="hidden md:table-cell">{t("realtime.colSince")}</TableHead>
                    <TableHead>{t("realtime.colSubscriptions")}</TableHead>
                    <TableHead className="hidden pr-6 md:table-cell">{t("realtime.colDelivered")}</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {data!.connections.map((c) => (
                    <TableRow key={c.id} data-testid={`connection-${c.id}`}>
                      <TableCell className="pl-6 font-mono text-xs" title={c.id}>
                        {c.id.slice(0, 10)}…
                      </TableCell>
                      <TableCell>
                        <PrincipalLabel auth={c.auth} />
                      </TableCell>
                      <TableCell>
                        <Badge variant="outline" className="uppercase">
                          {c.transport}
                        </Badge>
                      </TableCell>
                      <TableCell className="hidden whitespace-nowrap md:table-cell" title={formatDateTime(c.connectedAt, locale)}>
                        {formatRelative(c.connectedAt, locale)}
                      </TableCell>
                      <TableCell>
                        <span className="font-medium">{c.subscriptions.length}</span>
                        {c.subscriptions.length > 0 && (
                          <ul className="mt-1 flex flex-col gap-0.5">
                            {c.subscriptions.map((s) => (
                              <li key={s.channel} className="font-mono text-xs text-muted-foreground">
                                {s.channel}
                                {s.filter ? ` [${s.filter}]` : ""}
                              </li>
                            ))}
                          </ul>
                        )}
                      </TableCell>
                      <TableCell className="hidden pr-6 md:table-cell">{fmt.format(c.delivered)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </CardContent>
          </Card>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card>
              <CardHeader>
                <CardTitle>{t("realtime.subscriptions")}</CardTitle>
                <CardDescription>{t("realtime.subscriptionsDescription")}</CardDescription>
              </CardHeader>
              <CardContent>
                {data!.subscriptions.length === 0 ? (
                  <p className="text-sm text-muted-foreground">{t("realtime.noSubscriptions")}</p>
                ) : (
                  <ul className="flex flex-col gap-2" data-testid="subscriptions">
                    {data!.subscriptions.map((s) => (
                      <li
                        key={s.channel}
                        className="flex items-center justify-between gap-2 rounded-md border px-3 py-2"
                        data-testid={`subscription-${s.channel}`}
                      >
                        <span className="font-mono text-sm break-all">{s.channel}</span>
                        <span className="text-xs whitespace-nowrap text-muted-foreground">
                          {t("realtime.connections", { count: s.connections })}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle>{t("realtime.presenceMembers")}</CardTitle>
                <CardDescription>{t("realtime.presenceDescription")}</CardDescription>
              </CardHeader>
              <CardContent>
                {data!.presence.every((p) => p.members.length === 0) ? (
                  <p className="text-sm text-muted-foreground">{t("realtime.noPresence")}</p>
                ) : (
                  <div className="flex flex-col gap-3" data-testid="presence">
                    {data!.presence.map((p) => (
                      <div key={p.channel} data-testid={`presence-${p.channel}`}>
                        <p className="mb-1 font-mono text-sm font-medium">{p.channel}</p>
                        <ul className="flex flex-col gap-1">
                          {p.members.map((m) => (
                            <li
                              key={m.connectionId}
                              className="flex items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm"
                            >
                              <PrincipalLabel auth={m.auth} />
                              <span className="text-xs whitespace-nowrap text-muted-foreground" title={formatDateTime(m.joinedAt, locale)}>
                                {formatRelative(m.joinedAt, locale)}
                              </span>
                            </li>
                          ))}
                        </ul>
                      </div>
                    ))}
                  </div>
                )}
              </CardContent>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
