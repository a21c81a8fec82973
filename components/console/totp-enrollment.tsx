"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Download, ShieldCheck } from "lucide-react";
import QRCode from "qrcode";
import { useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { totpCodeInput } from "../../server/modules/accounts/schema";
import { useI18n } from "../i18n/i18n-provider";
import { useTRPC } from "../trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../ui/alert";
import { Button } from "../ui/button";
import { Input } from "../ui/input";
import { FormAlert } from "./auth-card";
import { CopyButton } from "./copy-button";
import { Field, useZodForm } from "./form";

/** The QR code of an otpauth:// URI, drawn here (no network): an SVG in an <img>. */
function QrCode({ value, label }: { value: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void QRCode.toString(value, { type: "svg", margin: 1, errorCorrectionLevel: "M", color: { dark: "#000000", light: "#ffffff" } }).then(
      (svg) => {
        if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [value]);
  return (
    <div className="flex size-44 items-center justify-center rounded-md border bg-white p-1">
      {src ? <img src={src} alt={label} className="size-full" data-testid="totp-qr" /> : null}
    </div>
  );
}

/** Ten recovery codes, shown once: copy them or download them as a text file. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useI18n();
  const text = codes.join("\n");
  function download() {
    const url = URL.createObjectURL(new Blob([`${t("totp.fileHeader")}\n\n${text}\n`], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "apprun-recovery-codes.txt";
    a.click();
    URL.revokeObjectURL(url);
  }
  return (
    <div className="flex flex-col gap-3" data-testid="recovery-codes">
      <Alert>
        <ShieldCheck className="text-success" />
        <AlertTitle>{t("totp.codesTitle")}</AlertTitle>
        <AlertDescription>{t("totp.codesBody")}</AlertDescription>
      </Alert>
      <ul className="grid grid-cols-2 gap-x-6 gap-y-1 rounded-md border bg-muted/50 px-4 py-3 font-mono text-sm">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex gap-2">
        <CopyButton value={text} label={t("totp.copyCodes")} />
        <Button type="button" variant="outline" size="sm" onClick={download}>
          <Download />
          {t("totp.download")}
        </Button>
      </div>
    </div>
  );
}

/**
 * Two-factor enrolment: a new secret (QR code and text), a code from the app to confirm it, then
 * the recovery codes. `onDone` runs when the user has put the codes away.
 */
export function TotpEnrollment({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const begin = useMutation(trpc.accounts.totp.begin.mutationOptions({ onError: (e) => toast.error(e.message) }));
  const form = useZodForm(totpCodeInput, { code: "" }, { hints: { code: "signIn.codeHint" } });
  const confirm = useMutation(trpc.accounts.totp.confirm.mutationOptions({ onError: (e) => form.serverError(e) }));
  // Each begin replaces the pending secret: ask once per mount, even if effects run twice.
  const began = useRef(false);
  useEffect(() => {
    if (!began.current) {
      began.current = true;
      begin.mutate();
    }
  }, [begin]);

  if (confirm.isSuccess)
    return (
      <div className="flex flex-col gap-4">
        <RecoveryCodes codes={confirm.data.recoveryCodes} />
        <Button
          onClick={() => {
            void queryClient.invalidateQueries();
            onDone();
          }}
          data-testid="totp-done"
        >
          {t("totp.savedCodes")}
        </Button>
      </div>
    );

  if (begin.isError)
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={begin.error.message} />
        <Button variant="outline" onClick={() => begin.mutate()}>
          {t("common.retry")}
        </Button>
      </div>
    );

  if (!begin.data) return <div className="h-44 animate-pulse rounded-md bg-muted" role="status" aria-label={t("common.loading")} />;

  return (
    <div className="flex flex-col gap-4">
      <ol className="flex list-decimal flex-col gap-1 pl-5 text-sm text-muted-foreground">
        <li>{t("totp.step1")}</li>
        <li>{t("totp.step2")}</li>
      </ol>
      <div className="flex flex-col items-center gap-4 sm:flex-row sm:items-start">
        <QrCode value={begin.data.uri} label={t("totp.qrLabel")} />
        <div className="flex min-w-0 flex-1 flex-col gap-2">
          <p className="text-sm text-muted-foreground">{t("totp.manual")}</p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 rounded-md bg-muted px-2 py-1.5 font-mono text-xs break-all" data-testid="totp-secret">
              {begin.data.secret}
            </code>
            <CopyButton value={begin.data.secret} size="icon" variant="ghost" label={t("totp.copySecret")} />
          </div>
        </div>
      </div>
      <FormAlert message={confirm.isError && !form.errors.code ? confirm.error.message : null} />
      <form
        ref={form.formRef}
        onSubmit={form.submit((d) => confirm.mutate(d))}
        className="flex flex-col gap-3 sm:flex-row sm:items-end"
        noValidate
      >
        <Field id="field-code" label={t("totp.code")} error={form.errors.code} className="flex-1">
          <Input
            {...form.text("code")}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            className="font-mono tracking-[0.3em]"
          />
        </Field>
        <div className="flex gap-2">
          {onCancel && (
            <Button type="button" variant="outline" onClick={onCancel}>
              {t("common.cancel")}
            </Button>
          )}
          <Button type="submit" disabled={confirm.isPending}>
            {t("totp.confirm")}
          </Button>
        </div>
      </form>
    </div>
  );
}
