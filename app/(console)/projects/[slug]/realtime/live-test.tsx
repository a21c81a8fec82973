"use client";

import { Plug, Send, Unplug } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { Field } from "../../../../../components/console/form";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { Input } from "../../../../../components/ui/input";
import { useProject } from "../project-context";
import { realtimeUrl } from "./inspector";

type Status = "closed" | "connecting" | "open";
interface Line {
  n: number;
  dir: "in" | "out";
  text: string;
}

const MAX_LINES = 200;

/** A WebSocket from the browser to /realtime with a pasted credential: subscribe, publish, see the frames. */
export function LiveTest() {
  const { t, locale } = useI18n();
  const { project } = useProject();
  const [url, setUrl] = useState("/realtime");
  const [token, setToken] = useState("");
  const [channel, setChannel] = useState("");
  const [data, setData] = useState('{ "hello": "world" }');
  const [status, setStatus] = useState<Status>("closed");
  const [closedWith, setClosedWith] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const socket = useRef<WebSocket | null>(null);
  const counter = useRef(0);

  useEffect(() => setUrl(realtimeUrl()), []);
  useEffect(() => () => socket.current?.close(1000), []);

  const parsedData = useMemo(() => {
    try {
      return { ok: true as const, value: JSON.parse(data) as unknown };
    } catch {
      return { ok: false as const };
    }
  }, [data]);

  function log(dir: Line["dir"], text: string) {
    counter.current += 1;
    const line = { n: counter.current, dir, text };
    setLines((ls) => [line, ...ls].slice(0, MAX_LINES));
  }

  function send(frame: Record<string, unknown>) {
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(frame));
    // The credential is not echoed on screen.
    log("out", JSON.stringify(typeof frame.token === "string" ? { ...frame, token: `${frame.token.slice(0, 6)}…` } : frame));
  }

  function connect() {
    socket.current?.close(1000);
    setClosedWith(null);
    setStatus("connecting");
    const ws = new WebSocket(url);
    socket.current = ws;
    ws.onopen = () => {
      if (socket.current !== ws) return;
      setStatus("open");
      send({ type: "auth", ref: "auth", project: project.slug, ...(token.trim() ? { token: token.trim() } : {}) });
    };
    ws.onmessage = (e) => {
      if (socket.current === ws) log("in", typeof e.data === "string" ? e.data : "(binary)");
    };
    ws.onclose = (e) => {
      if (socket.current !== ws) return;
      socket.current = null;
      setStatus("closed");
      setClosedWith(t("realtime.closedWith", { code: e.code, reason: e.reason }));
    };
  }

  const open = status === "open";
  const target = channel.trim();
  return (
    <Card data-testid="live-test">
      <CardHeader>
        <CardTitle>{t("realtime.liveTitle")}</CardTitle>
        <CardDescription>{t("realtime.liveDescription", { url })}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <div className="grid gap-2 sm:grid-cols-[1fr_auto] sm:items-end">
          <Field id="live-token" label={t("realtime.token")} hint={t("realtime.tokenHint")}>
            <Input
              id="live-token"
              type="password"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              className="font-mono text-xs"
              disabled={status !== "closed"}
            />
          </Field>
          <div className="flex items-center gap-2 sm:pb-5">
            <Badge variant={open ? "default" : "outline"} data-testid="live-status">
              {status === "open"
                ? t("realtime.statusOpen")
                : status === "connecting"
                  ? t("realtime.statusConnecting")
                  : t("realtime.statusClosed")}
            </Badge>
            {status === "closed" ? (
              <Button onClick={connect} data-testid="live-connect">
                <Plug />
                {t("realtime.connect")}
              </Button>
            ) : (
              <Button variant="outline" onClick={() => socket.current?.close(1000)} data-testid="live-disconnect">
                <Unplug />
                {t("realtime.disconnect")}
              </Button>
            )}
          </div>
        </div>
        {closedWith && status === "closed" && <p className="text-xs text-muted-foreground">{closedWith}</p>}
        <form
          className="grid gap-2 sm:grid-cols-[1fr_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) send({ type: "subscribe", ref: `sub:${target}`, channel: target });
          }}
        >
          <Field id="live-channel" label={t("realtime.channel")} hint={t("realtime.channelHint")}>
            <Input
              id="live-channel"
              value={channel}
              onChange={(e) => setChannel(e.target.value)}
              placeholder="collections/posts"
              autoComplete="off"
              spellCheck={false}
              className="font-mono text-xs"
            />
          </Field>
          <Button type="submit" className="sm:mb-5" disabled={!open || !target} data-testid="live-subscribe">
            {t("realtime.doSubscribe")}
          </Button>
        </form>
        <form
          className="grid gap-2 sm:grid-cols-[1fr_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            if (target && parsedData.ok) send({ type: "publish", ref: `pub:${target}`, channel: target, data: parsedData.value });
          }}
        >
          <Field id="live-data" label={t("realtime.data")} error={parsedData.ok ? undefined : t("realtime.notJson")}>
            <Input
              id="live-data"
              value={data}
              onChange={(e) => setData(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              className="font-mono text-xs"
            />
          </Field>
          <Button
            type="submit"
            variant="outline"
            className="sm:mb-5"
            disabled={!open || !target.startsWith("channels/") || !parsedData.ok}
            data-testid="live-publish"
          >
            <Send />
            {t("realtime.doPublish")}
          </Button>
        </form>
        <div className="flex items-center justify-between">
          <p className="text-sm font-medium">{t("realtime.frames")}</p>
          <Button variant="ghost" size="sm" onClick={() => setLines([])} disabled={lines.length === 0}>
            {t("realtime.clear")}
          </Button>
        </div>
        {lines.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("realtime.noFrames")}</p>
        ) : (
          <ol
            className="flex max-h-96 flex-col gap-1 overflow-y-auto rounded-md border bg-muted/40 p-2"
            data-testid="live-frames"
            lang={locale}
          >
            {lines.map((l) => (
              <li key={l.n} className="flex gap-2 font-mono text-xs">
                <span
                  aria-label={l.dir === "in" ? t("realtime.received") : t("realtime.sent")}
                  className={l.dir === "in" ? "shrink-0 text-emerald-600 dark:text-emerald-400" : "shrink-0 text-sky-600 dark:text-sky-400"}
                >
                  {l.dir === "in" ? "←" : "→"}
                </span>
                <span className="break-all">{l.text}</span>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
