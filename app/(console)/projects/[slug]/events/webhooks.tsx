"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, RotateCw, Webhook } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { formatDateTime, formatRelative } from "../../../../../components/console/format";
import { SecretOnce } from "../../../../../components/console/secrets";
import { EmptyState, LoadingRows, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Input } from "../../../../../components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { createWebhookInput } from "../../../../../server/modules/events/schema";
import type { WebhookView } from "../../../../../server/modules/events/webhooks";
import { useProject } from "../project-context";

const webhookForm = z.object({ topic: createWebhookInput.shape.topic, url: createWebhookInput.shape.url, types: z.string().max(2000) });

function CreateWebhookDialog({ topics, onClose }: { topics: string[]; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const form = useZodForm(webhookForm, { topic: topics[0] ?? "", url: "", types: "" });
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation(
    trpc.events.webhooks.create.mutationOptions({
      onSuccess: async (result) => {
        setSecret(result.secret);
        toast.success(t("webhooks.created"));
        await queryClient.invalidateQueries({ queryKey: trpc.events.webhooks.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={t("webhooks.createTitle")}
      description={t("webhooks.createDescription")}
      submitLabel={t("webhooks.create")}
      submitTestId="create-webhook-submit"
      className="sm:max-w-xl"
      contentProps={{ onInteractOutside: (e) => secret && e.preventDefault() }}
      serverErrors={{ codes: { webhook_url_invalid: "url", webhook_url_self: "url" }, issuePath: (p) => p.split(".")[0] }}
      closeOnSuccess={false}
      done={
        secret && (
          <SecretOnce
            warning={t("webhooks.secretOnceTitle")}
            warningBody={t("webhooks.secretOnceBody")}
            label={t("webhooks.secret")}
            secret={secret}
            id="webhook-secret"
            alertTestId="webhook-secret-once"
            doneLabel={t("webhooks.done")}
            doneTestId="webhook-done"
            onDone={onClose}
          />
        )
      }
      onSubmit={(d) =>
        create.mutateAsync({
          project: ref,
          topic: d.topic,
          url: d.url,
          types: d.types
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
          enabled: true,
          retryBaseMs: 5000,
          maxAttempts: 8,
        })
      }
      onClose={onClose}
    >
      <Field id="field-topic" label={t("webhooks.topic")} error={form.errors.topic}>
        <Select value={form.values.topic} onValueChange={(v) => form.set("topic", v)} name="topic">
          <SelectTrigger id="field-topic" className="w-full">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {topics.map((name) => (
              <SelectItem key={name} value={name}>
                {name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </Field>
      <Field id="field-url" label={t("webhooks.url")} error={form.errors.url}>
        <Input {...form.text("url")} autoFocus autoComplete="off" placeholder="https://service.example.com/hooks/apprun" />
      </Field>
      <Field id="field-types" label={t("webhooks.types")} error={form.errors.types} hint={t("webhooks.typesHint")}>
        <Input {...form.text("types")} autoComplete="off" placeholder="order.*, user.created" />
      </Field>
    </FormDialog>
  );
}

/** The delivery log of one webhook, newest first, with redeliver. */
function Deliveries({ webhook }: { webhook: WebhookView }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can, project } = useProject();
  const deliveries = useQuery(
    trpc.events.webhooks.deliveries.queryOptions({ project: ref, webhookId: webhook.id, limit: 20 }, { refetchInterval: 5000 }),
  );
  const redeliver = useMutation(
    trpc.events.webhooks.redeliver.mutationOptions({
      onSuccess: async (d) => {
        if (d.status === "succeeded") toast.success(t("webhooks.redelivered", { code: d.responseCode ?? "" }));
        else toast.error(t("webhooks.redeliverFailed", { error: d.error ?? "" }));
        await queryClient.invalidateQueries({ queryKey: trpc.events.webhooks.deliveries.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const manage = can("events:manage") && !project.archived;
  if (deliveries.isPending) return <LoadingRows count={2} />;
  if (deliveries.isError) return <QueryError error={deliveries.error} onRetry={() => deliveries.refetch()} />;
  if (deliveries.data.length === 0) return <p className="text-sm text-muted-foreground">{t("webhooks.noDeliveries")}</p>;
  const badge = (s: string) =>
    s === "succeeded" ? (
      <Badge variant="success">{t("webhooks.succeeded")}</Badge>
    ) : s === "retrying" ? (
      <Badge variant="outline">{t("webhooks.retrying")}</Badge>
    ) : (
      <Badge variant="destructive">{t("webhooks.failed")}</Badge>
    );
  return (
    <Table data-testid={`deliveries-${webhook.id}`}>
      <TableHeader>
        <TableRow>
          <TableHead>{t("webhooks.event")}</TableHead>
          <TableHead>{t("webhooks.status")}</TableHead>
          <TableHead>{t("webhooks.response")}</TableHead>
          <TableHead className="hidden md:table-cell">{t("webhooks.attempt")}</TableHead>
          <TableHead className="hidden md:table-cell">{t("webhooks.when")}</TableHead>
          {manage && <TableHead className="w-24" />}
        </TableRow>
      </TableHeader>
      <TableBody>
        {deliveries.data.map((d) => (
          <TableRow key={d.id} data-testid={`delivery-${d.eventId}-${d.attempt}${d.manual ? "-manual" : ""}`}>
            <TableCell className="font-mono text-xs">
              #{d.seq} {d.eventType}
            </TableCell>
            <TableCell>{badge(d.status)}</TableCell>
            <TableCell className="font-mono text-xs">
              {d.responseCode ?? d.error ?? ""} · {t("webhooks.ms", { ms: d.durationMs })}
            </TableCell>
            <TableCell className="hidden md:table-cell">{d.manual ? t("webhooks.manual") : d.attempt}</TableCell>
            <TableCell className="hidden whitespace-nowrap md:table-cell" title={formatDateTime(d.createdAt, locale)}>
              {formatRelative(d.createdAt, locale)}
            </TableCell>
            {manage && (
              <TableCell>
                <Button
                  variant="ghost"
                  size="sm"
                  disabled={redeliver.isPending}
                  onClick={() => redeliver.mutate({ project: ref, webhookId: webhook.id, deliveryId: d.id })}
                  aria-label={t("webhooks.redeliver")}
                >
                  <RotateCw />
                </Button>
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The project's webhooks, each with its delivery log. */
export function Webhooks({ topics }: { topics: string[] }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const webhooks = useQuery(trpc.events.webhooks.list.queryOptions({ project: ref }));
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const manage = can("events:manage") && !project.archived && topics.length > 0;
  return (
    <Card>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div className="grid gap-1.5">
          <CardTitle>{t("webhooks.title")}</CardTitle>
          <CardDescription>{t("webhooks.subtitle")}</CardDescription>
        </div>
        {manage && (
          <Button variant="outline" onClick={() => setCreating(true)} data-testid="create-webhook">
            <Plus />
            {t("webhooks.new")}
          </Button>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {webhooks.isPending ? (
          <LoadingRows count={2} />
        ) : webhooks.isError ? (
          <QueryError error={webhooks.error} onRetry={() => webhooks.refetch()} />
        ) : webhooks.data.length === 0 ? (
          <EmptyState icon={Webhook} title={t("webhooks.emptyTitle")} body={t("webhooks.emptyBody")} />
        ) : (
          webhooks.data.map((w) => (
            <div key={w.id} className="rounded-md border" data-testid={`webhook-${w.topic}`}>
              <button
                type="button"
                className="flex w-full flex-wrap items-center justify-between gap-2 px-3 py-2 text-left"
                onClick={() => setOpen(open === w.id ? null : w.id)}
                aria-expanded={open === w.id}
              >
                <span className="min-w-0">
                  <span className="font-mono text-sm break-all">{w.url}</span>
                  <span className="block text-xs text-muted-foreground">
                    {w.topic}
                    {w.types.length > 0 ? ` · ${w.types.join(", ")}` : ""}
                  </span>
                </span>
                {w.enabled ? (
                  <Badge variant="success">{t("webhooks.enabled")}</Badge>
                ) : (
                  <Badge variant="outline">{t("webhooks.disabled")}</Badge>
                )}
              </button>
              {open === w.id && (
                <div className="border-t p-3">
                  <Deliveries webhook={w} />
                </div>
              )}
            </div>
          ))
        )}
      </CardContent>
      {creating && <CreateWebhookDialog topics={topics} onClose={() => setCreating(false)} />}
    </Card>
  );
}
