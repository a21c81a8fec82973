"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Radio, Send } from "lucide-react";
import { useMemo, useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { formatDateTime, formatRelative } from "../../../../../components/console/format";
import { EmptyState, LoadingRows, PageHeader, QueryCard, QueryError } from "../../../../../components/console/states";
import { formatDuration } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Input } from "../../../../../components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { createTopicInput } from "../../../../../server/modules/events/schema";
import type { TopicView } from "../../../../../server/modules/events/service";
import { RequirePermission, useProject } from "../project-context";
import { Webhooks } from "./webhooks";

const HOUR = 3_600_000;
const MIB = 1024 * 1024;

function formatBytes(bytes: number, locale: string): string {
  const units: Array<[string, number]> = [
    ["gigabyte", 1024 ** 3],
    ["megabyte", MIB],
    ["kilobyte", 1024],
    ["byte", 1],
  ];
  const [unit, size] = units.find(([, s]) => bytes >= s) ?? units[units.length - 1]!;
  return new Intl.NumberFormat(locale, { style: "unit", unit, maximumFractionDigits: 1 }).format(bytes / size);
}

/** Hours and MiB in the form; milliseconds and bytes on the wire. */
const topicForm = z.object({
  name: createTopicInput.shape.name,
  description: z.string().max(500),
  maxAgeHours: z.string().regex(/^\d*$/),
  maxSizeMiB: z.string().regex(/^\d*$/),
});

function CreateTopicDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const form = useZodForm(
    topicForm,
    { name: "", description: "", maxAgeHours: "168", maxSizeMiB: "" },
    { hints: { name: "events.nameHint" } },
  );
  const create = useMutation(
    trpc.events.topics.create.mutationOptions({
      onSuccess: async (topic) => {
        toast.success(t("events.created", { name: topic.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.events.topics.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={t("events.createTitle")}
      description={t("events.createDescription")}
      submitLabel={t("events.create")}
      submitTestId="create-topic-submit"
      serverErrors={{ issuePath: (p) => (p === "maxAgeMs" ? "maxAgeHours" : p === "maxBytes" ? "maxSizeMiB" : p.split(".")[0]) }}
      onSubmit={(d) =>
        create.mutateAsync({
          project: ref,
          name: d.name,
          description: d.description || undefined,
          maxAgeMs: d.maxAgeHours ? Number(d.maxAgeHours) * HOUR : null,
          maxBytes: d.maxSizeMiB ? Number(d.maxSizeMiB) * MIB : null,
        })
      }
      onClose={onClose}
    >
      <Field id="field-name" label={t("events.name")} error={form.errors.name} hint={t("events.nameHint")}>
        <Input {...form.text("name")} autoFocus autoComplete="off" placeholder="orders" />
      </Field>
      <Field id="field-description" label={t("events.description")} error={form.errors.description}>
        <Input {...form.text("description")} autoComplete="off" />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="field-maxAgeHours" label={t("events.maxAgeHours")} error={form.errors.maxAgeHours} hint={t("events.emptyUnlimited")}>
          <Input {...form.text("maxAgeHours")} inputMode="numeric" />
        </Field>
        <Field id="field-maxSizeMiB" label={t("events.maxSizeMiB")} error={form.errors.maxSizeMiB} hint={t("events.emptyUnlimited")}>
          <Input {...form.text("maxSizeMiB")} inputMode="numeric" />
        </Field>
      </div>
    </FormDialog>
  );
}

/** One topic: its newest events, its consumer groups with lag, and a test publish. */
function TopicDetail({ topic }: { topic: TopicView }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can, project } = useProject();
  const afterSeq = Math.max(0, topic.stats.lastSeq - 20);
  const messages = useQuery(
    trpc.events.messages.list.queryOptions({ project: ref, topic: topic.name, afterSeq, limit: 20 }, { refetchInterval: 2000 }),
  );
  const groups = useQuery(trpc.events.groups.list.queryOptions({ project: ref, topic: topic.name }, { refetchInterval: 2000 }));
  const [type, setType] = useState("test.message");
  const [data, setData] = useState('{ "hello": "world" }');
  const parsedData = useMemo(() => {
    try {
      return { ok: true as const, value: data.trim() === "" ? undefined : (JSON.parse(data) as unknown) };
    } catch {
      return { ok: false as const };
    }
  }, [data]);
  const publish = useMutation(
    trpc.events.messages.publish.mutationOptions({
      onSuccess: async ([result]) => {
        toast.success(t("events.published", { seq: result?.seq ?? 0 }));
        await queryClient.invalidateQueries({ queryKey: trpc.events.topics.list.queryKey({ project: ref }) });
        await queryClient.invalidateQueries({ queryKey: trpc.events.messages.list.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const mayPublish = topic.kind === "user" && can("events:publish") && !project.archived;
  const mayManage = can("events:manage") && !project.archived;
  const redrive = useMutation(
    trpc.events.messages.redrive.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("events.redriven", { name: r.topic, seq: r.seq }));
        await queryClient.invalidateQueries({ queryKey: trpc.events.topics.list.queryKey({ project: ref }) });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const replay = useMutation(
    trpc.events.groups.seek.mutationOptions({
      onSuccess: async (g) => {
        toast.success(t("events.replayed", { name: g.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.events.groups.list.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const rows = [...(messages.data?.messages ?? [])].reverse();
  return (
    <div className="grid gap-6 lg:grid-cols-[2fr_1fr]" data-testid={`topic-detail-${topic.name}`}>
      <Card>
        <CardHeader>
          <CardTitle>{t("events.latest", { name: topic.name })}</CardTitle>
          <CardDescription>{t("events.latestDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          {mayPublish && (
            <form
              className="grid gap-2 rounded-md border p-3"
              onSubmit={(e) => {
                e.preventDefault();
                if (!parsedData.ok) return;
                publish.mutate({
                  project: ref,
                  topic: topic.name,
                  events: [{ type, ...(parsedData.value === undefined ? {} : { data: parsedData.value }) }],
                });
              }}
            >
              <div className="grid gap-2 sm:grid-cols-[12rem_1fr_auto] sm:items-end">
                <Field id="publish-type" label={t("events.type")}>
                  <Input id="publish-type" value={type} onChange={(e) => setType(e.target.value)} name="type" />
                </Field>
                <Field id="publish-data" label={t("events.data")} error={parsedData.ok ? undefined : t("events.notJson")}>
                  <Input
                    id="publish-data"
                    value={data}
                    onChange={(e) => setData(e.target.value)}
                    name="data"
                    className="font-mono text-xs"
                  />
                </Field>
                <Button type="submit" disabled={publish.isPending || !parsedData.ok || type.trim() === ""} data-testid="publish-test">
                  <Send />
                  {t("events.publish")}
                </Button>
              </div>
            </form>
          )}
          {messages.isPending ? (
            <LoadingRows count={3} />
          ) : messages.isError ? (
            <QueryError error={messages.error} onRetry={() => messages.refetch()} />
          ) : rows.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("events.noMessages")}</p>
          ) : (
            <Table data-testid="topic-messages">
              <TableHeader>
                <TableRow>
                  <TableHead>#</TableHead>
                  <TableHead>{t("events.type")}</TableHead>
                  <TableHead>{t("events.data")}</TableHead>
                  <TableHead className="hidden md:table-cell">{t("events.stored")}</TableHead>
                  {can("events:publish") && !project.archived && <TableHead className="w-28" />}
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((m) => (
                  <TableRow key={m.seq}>
                    <TableCell className="font-mono text-xs">{m.seq}</TableCell>
                    <TableCell className="font-mono text-xs">{m.event.type}</TableCell>
                    <TableCell>
                      <code className="line-clamp-2 max-w-md font-mono text-xs break-all">
                        {m.event.data === undefined ? "" : JSON.stringify(m.event.data)}
                      </code>
                    </TableCell>
                    <TableCell className="hidden whitespace-nowrap md:table-cell" title={formatDateTime(m.storedAt, locale)}>
                      {formatRelative(m.storedAt, locale)}
                    </TableCell>
                    {can("events:publish") && !project.archived && (
                      <TableCell>
                        {/* A dead letter: it can go back to the topic it came from. */}
                        {"deadletterstream" in m.event && (
                          <Button
                            variant="outline"
                            size="sm"
                            disabled={redrive.isPending}
                            onClick={() => redrive.mutate({ project: ref, topic: topic.name, seq: m.seq })}
                            data-testid={`redrive-${m.seq}`}
                          >
                            {t("events.redrive")}
                          </Button>
                        )}
                      </TableCell>
                    )}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("events.groups")}</CardTitle>
          <CardDescription>{t("events.groupsDescription")}</CardDescription>
        </CardHeader>
        <CardContent>
          {groups.isPending ? (
            <LoadingRows count={2} />
          ) : groups.isError ? (
            <QueryError error={groups.error} onRetry={() => groups.refetch()} />
          ) : groups.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("events.noGroups")}</p>
          ) : (
            <ul className="flex flex-col gap-2" data-testid="topic-groups">
              {groups.data.map((g) => (
                <li
                  key={g.name}
                  className="flex items-center justify-between gap-2 rounded-md border px-3 py-2"
                  data-testid={`group-${g.name}`}
                >
                  <span className="font-mono text-sm">{g.name}</span>
                  <span className="flex items-center gap-2">
                    <span className="text-xs text-muted-foreground">
                      {t("events.lag", { pending: g.lag.pending, unacked: g.lag.unacked })}
                    </span>
                    {mayManage && (
                      <Button
                        variant="ghost"
                        size="sm"
                        disabled={replay.isPending}
                        onClick={() => replay.mutate({ project: ref, topic: topic.name, group: g.name, afterSeq: 0 })}
                        data-testid={`replay-${g.name}`}
                      >
                        {t("events.replay")}
                      </Button>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function Topics() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  // Refetched so the open topic's newest events follow as they arrive (a live tail of the last 20).
  const topics = useQuery(trpc.events.topics.list.queryOptions({ project: ref }, { refetchInterval: 2000 }));
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const manage = can("events:manage") && !project.archived;
  const rows = topics.data ?? [];
  const current = rows.find((x) => x.name === selected) ?? null;
  const createButton = manage ? (
    <Button onClick={() => setCreating(true)} data-testid="create-topic">
      <Plus />
      {t("events.new")}
    </Button>
  ) : undefined;
  const retention = (x: TopicView) =>
    [x.maxAgeMs ? formatDuration(x.maxAgeMs / 1000, locale) : null, x.maxBytes ? formatBytes(x.maxBytes, locale) : null]
      .filter(Boolean)
      .join(" · ") || t("events.unlimited");
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader title={t("events.title")} description={t("events.subtitle")} actions={rows.length > 0 ? createButton : undefined} />
      <QueryCard
        query={topics}
        empty={
          rows.length === 0 && <EmptyState icon={Radio} title={t("events.emptyTitle")} body={t("events.emptyBody")} action={createButton} />
        }
      >
        {() => (
          <Table data-testid="topics-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("events.name")}</TableHead>
                <TableHead>{t("events.messages")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("events.size")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("events.retention")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((x) => (
                <TableRow
                  key={x.name}
                  data-testid={`topic-${x.name}`}
                  className="cursor-pointer"
                  data-state={x.name === selected ? "selected" : undefined}
                  onClick={() => setSelected(x.name === selected ? null : x.name)}
                >
                  <TableCell className="pl-5">
                    <button type="button" className="text-left font-medium hover:underline" aria-expanded={x.name === selected}>
                      {x.name}
                    </button>
                    {x.kind === "system" && (
                      <Badge variant="outline" className="ml-2">
                        {t("events.system")}
                      </Badge>
                    )}
                    {x.description && <p className="text-xs text-muted-foreground">{x.description}</p>}
                  </TableCell>
                  <TableCell>{new Intl.NumberFormat(locale).format(x.stats.messages)}</TableCell>
                  <TableCell className="hidden md:table-cell">{formatBytes(x.stats.bytes, locale)}</TableCell>
                  <TableCell className="hidden md:table-cell">{retention(x)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {current && <TopicDetail topic={current} />}
      {/* Webhooks need a topic of the project's own. */}
      {rows.some((x) => x.kind === "user") && <Webhooks topics={rows.filter((x) => x.kind === "user").map((x) => x.name)} />}
      {creating && <CreateTopicDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

export default function EventsPage() {
  return (
    <RequirePermission permission="events:read">
      <Topics />
    </RequirePermission>
  );
}
