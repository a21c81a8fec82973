"use client";

import { CheckCircle2, TriangleAlert } from "lucide-react";
import type { ReactNode } from "react";
import { Alert, AlertDescription, AlertTitle } from "../ui/alert";
import { Button } from "../ui/button";
import { DialogFooter } from "../ui/dialog";
import { Input } from "../ui/input";
import { Label } from "../ui/label";
import { CopyButton } from "./copy-button";
import { Field, type ZodForm } from "./form";

/**
 * A secret the server shows only once (an API key, a webhook's signing secret), in a dialog that
 * has just created it: the warning, the value to copy, anything to try with it, and a done button.
 */
export function SecretOnce({
  warning,
  warningBody,
  label,
  secret,
  id,
  alertTestId,
  doneLabel,
  doneTestId,
  onDone,
  children,
}: {
  warning: ReactNode;
  warningBody: ReactNode;
  label: ReactNode;
  secret: string;
  /** The input's id and test id. */
  id: string;
  alertTestId: string;
  doneLabel: ReactNode;
  doneTestId: string;
  onDone: () => void;
  children?: ReactNode;
}) {
  return (
    <>
      <Alert className="border-amber-500/50 bg-amber-500/10" data-testid={alertTestId}>
        <TriangleAlert className="text-amber-600 dark:text-amber-400" />
        <AlertTitle>{warning}</AlertTitle>
        <AlertDescription>{warningBody}</AlertDescription>
      </Alert>
      <div className="grid min-w-0 gap-1.5">
        <Label htmlFor={id}>{label}</Label>
        <div className="flex items-center gap-2">
          <Input id={id} readOnly value={secret} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} data-testid={id} />
          <CopyButton value={secret} />
        </div>
      </div>
      {children}
      <DialogFooter>
        <Button onClick={onDone} data-testid={doneTestId}>
          <CheckCircle2 />
          {doneLabel}
        </Button>
      </DialogFooter>
    </>
  );
}

/**
 * A secret the server keeps encrypted and never returns (an OAuth or OIDC client secret). Editing,
 * the field starts empty and leaving it so keeps the stored secret; `stored` says one exists.
 */
export function StoredSecretField<K extends string>({
  form,
  name,
  label,
  stored,
  hint,
}: {
  form: ZodForm<Record<K, string>, unknown>;
  name: K;
  label: ReactNode;
  stored: boolean;
  hint: ReactNode;
}) {
  return (
    <Field id={`field-${name}`} label={label} error={form.errors[name]} hint={hint}>
      <Input {...form.text(name)} type="password" autoComplete="new-password" placeholder={stored ? "••••••••" : undefined} />
    </Field>
  );
}
