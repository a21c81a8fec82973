"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Radio, Trash2 } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { formatDateTime, formatRelative } from "../../../../../components/console/format";
import { EmptyState, QueryCard } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Input } from "../../../../../components/ui/input";
import { Label } from "../../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Switch } from "../../../../../components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { Textarea } from "../../../../../components/ui/textarea";
import type { ChannelView } from "../../../../../server/modules/realtime/channels";
import { channelRef } from "../../../../../server/modules/realtime/schema";
import { useProject } from "../project-context";

/** A rule on the wire: "" everyone, null API keys holding the permission only, else CEL. */
type Mode = "everyone" | "keys" | "rule";
const modeOf = (rule: string | null): Mode => (rule === null ? "keys" : rule.trim() === "" ? "everyone" : "rule");
const ruleOf = (mode: Mode, text: string): string | null => (mode === "keys" ? null : mode === "everyone" ? "" : text.trim());

const channelForm = z
  .object({
    name: channelRef.shape.name,
    subscribeMode: z.enum(["everyone", "keys", "rule"]),
    subscribeRule: z.string().max(2000),
    publishMode: z.enum(["everyone", "keys", "rule"]),
    publishRule: z.string().max(2000),
    presence: z.boolean(),
  })
  .superRefine((v, ctx) => {
    if (v.subscribeMode === "rule" && v.subscribeRule.trim() === "")
      ctx.addIssue({ code: "custom", path: ["subscribeRule"], message: "rule_required" });
    if (v.publishMode === "rule" && v.publishRule.trim() === "")
      ctx.addIssue({ code: "custom", path: ["publishRule"], message: "rule_required" });
  });

function RuleField({ which, form }: { which: "subscribe" | "publish"; form: ReturnType<typeof useChannelForm> }) {
  const { t } = useI18n();
  const modeKey = which === "subscribe" ? "subscribeMode" : "publishMode";
  const ruleKey = which === "subscribe" ? "subscribeRule" : "publishRule";
  const mode = form.values[modeKey];
  return (
    <div className="grid gap-2 rounded-md border p-3">
      <Field id={`field-${modeKey}`} label={t(which === "subscribe" ? "realtime.subscribe" : "realtime.publish")}>
        <Select value={mode} onValueChange={(v) => form.set(modeKey, v as Mode)}>
          <SelectTrigger id={`field-${modeKey}`} className="w-full" data-testid={`${which}-mode`}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="everyone">{t("realtime.modeEveryone")}</SelectItem>
            <SelectItem value="keys">{t("realtime.modeKeys")}</SelectItem>
            <SelectItem value="rule">{t("realtime.modeRule")}</SelectItem>
          </SelectContent>
        </Select>
      </Field>
      {mode === "rule" && (
        <Field
          id={`field-${ruleKey}`}
          label={t(which === "subscribe" ? "realtime.subscribeRule" : "realtime.publishRule")}
          error={form.errors[ruleKey]}
          hint={t("realtime.ruleHint")}
        >
          <Textarea {...form.text(ruleKey)} rows={2} spellCheck={false} className="font-mono text-xs" placeholder='auth.type == "user"' />
        </Field>
      )}
    </div>
  );
}

function useChannelForm(channel: ChannelView | null) {
  return useZodForm(
    channelForm,
    {
      name: channel?.name ?? "",
      subscribeMode: channel ? modeOf(channel.subscribeRule) : "everyone",
      subscribeRule: channel?.subscribeRule ?? "",
      publishMode: channel ? modeOf(channel.publishRule) : "keys",
      publishRule: channel?.publishRule ?? "",
      presence: channel?.presence ?? false,
    },
    { hints: { name: "realtime.nameHint", subscribeRule: "realtime.ruleRequired", publishRule: "realtime.ruleRequired" } },
  );
}

/** Creates a channel (channel null) or edits one; rule errors from the server are shown under the rule. */
function ChannelDialog({ channel, onClose }: { channel: ChannelView | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const form = useChannelForm(channel);
  const save = useMutation(
    trpc.realtime.channels.save.mutationOptions({
      onSuccess: async (saved) => {
        toast.success(t("realtime.saved", { name: saved.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.realtime.channels.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={channel ? t("realtime.editTitle", { name: channel.name }) : t("realtime.createTitle")}
      description={channel ? t("realtime.editDescription") : t("realtime.createDescription")}
      submitLabel={channel ? t("common.save") : t("realtime.create")}
      submitTestId="channel-submit"
      serverErrors={{
        fieldFor: (info) =>
          info.code === "realtime_invalid_rule" ? (info.details.rule === "publish" ? "publishRule" : "subscribeRule") : undefined,
      }}
      onSubmit={(d) =>
        save.mutateAsync({
          project: ref,
          name: d.name,
          subscribeRule: ruleOf(d.subscribeMode, d.subscribeRule),
          publishRule: ruleOf(d.publishMode, d.publishRule),
          presence: d.presence,
        })
      }
      onClose={onClose}
    >
      <Field id="field-name" label={t("realtime.name")} error={form.errors.name} hint={t("realtime.nameHint")}>
        <Input {...form.text("name")} autoFocus={!channel} readOnly={!!channel} autoComplete="off" placeholder="lobby" />
      </Field>
      <RuleField which="subscribe" form={form} />
      <RuleField which="publish" form={form} />
      <div className="flex items-start justify-between gap-4">
        <div className="grid gap-1">
          <Label htmlFor="field-presence">{t("realtime.presence")}</Label>
          <p className="text-xs text-muted-foreground">{t("realtime.presenceHint")}</p>
        </div>
        <Switch id="field-presence" checked={form.values.presence} onCheckedChange={(v) => form.set("presence", v)} />
      </div>
    </FormDialog>
  );
}

function DeleteChannelDialog({ channel, onClose }: { channel: ChannelView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const remove = useMutation(
    trpc.realtime.channels.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("realtime.deleted", { name: channel.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.realtime.channels.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("realtime.deleteTitle", { name: channel.name })}
      description={t("realtime.deleteBody")}
      confirmTestId="confirm-delete-channel"
      onConfirm={() => remove.mutateAsync({ project: ref, name: channel.name })}
      onClose={onClose}
    />
  );
}

function RuleText({ rule }: { rule: string | null }) {
  const { t } = useI18n();
  if (rule === null) return <span className="text-muted-foreground">{t("realtime.ruleKeys")}</span>;
  if (rule.trim() === "") return <span className="text-muted-foreground">{t("realtime.ruleEveryone")}</span>;
  return <code className="font-mono text-xs break-all">{rule}</code>;
}

/** The project's broadcast channels; read-only without events:manage (or in an archived project). */
export function Channels() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const channels = useQuery(trpc.realtime.channels.list.queryOptions({ project: ref }));
  const [editing, setEditing] = useState<ChannelView | "new" | null>(null);
  const [deleting, setDeleting] = useState<ChannelView | null>(null);
  const manage = can("events:manage") && !project.archived;
  const rows = channels.data ?? [];
  const createButton = manage ? (
    <Button onClick={() => setEditing("new")} data-testid="create-channel">
      <Plus />
      {t("realtime.newChannel")}
    </Button>
  ) : undefined;
  return (
    <div className="flex flex-col gap-4">
      {!manage && (
        <p className="text-sm text-muted-foreground" data-testid="channels-read-only">
          {t("realtime.readOnly")}
        </p>
      )}
      {rows.length > 0 && createButton && <div className="flex justify-end">{createButton}</div>}
      <QueryCard
        query={channels}
        empty={
          rows.length === 0 && (
            <EmptyState icon={Radio} title={t("realtime.emptyTitle")} body={t("realtime.emptyBody")} action={createButton} />
          )
        }
      >
        {() => (
          <Table data-testid="channels-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("realtime.name")}</TableHead>
                <TableHead>{t("realtime.colRules")}</TableHead>
                <TableHead>{t("realtime.colPresence")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("realtime.colUpdated")}</TableHead>
                {manage && <TableHead className="pr-5 text-right">{t("common.actions")}</TableHead>}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((c) => (
                <TableRow key={c.name} data-testid={`channel-${c.name}`}>
                  <TableCell className="pl-5 font-mono text-sm font-medium">{c.name}</TableCell>
                  <TableCell>
                    <div className="grid gap-0.5 text-xs">
                      <span>
                        <span className="text-muted-foreground">{t("realtime.subscribeRule")}: </span>
                        <RuleText rule={c.subscribeRule} />
                      </span>
                      <span>
                        <span className="text-muted-foreground">{t("realtime.publishRule")}: </span>
                        <RuleText rule={c.publishRule} />
                      </span>
                    </div>
                  </TableCell>
                  <TableCell>
                    <Badge variant={c.presence ? "default" : "outline"}>{c.presence ? t("realtime.on") : t("realtime.off")}</Badge>
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap md:table-cell" title={formatDateTime(c.updatedAt, locale)}>
                    {formatRelative(c.updatedAt, locale)}
                  </TableCell>
                  {manage && (
                    <TableCell className="pr-5 text-right whitespace-nowrap">
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`${t("common.edit")} ${c.name}`}
                        onClick={() => setEditing(c)}
                        data-testid={`edit-channel-${c.name}`}
                      >
                        <Pencil />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`${t("common.delete")} ${c.name}`}
                        onClick={() => setDeleting(c)}
                        data-testid={`delete-channel-${c.name}`}
                      >
                        <Trash2 />
                      </Button>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {editing && <ChannelDialog channel={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && <DeleteChannelDialog channel={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}
