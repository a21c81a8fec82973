"use client";

import { AlertCircle, CheckCircle2 } from "lucide-react";
import type { ReactNode } from "react";
import { Alert, AlertDescription } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { errorInfo } from "./errors";
import type { ZodForm } from "./form";

/** The card every page outside the shell is drawn in. */
export function AuthCard({
  title,
  description,
  children,
  footer,
  wide,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className={cn("flex w-full flex-col gap-4", wide ? "max-w-lg" : "max-w-sm")}>
      <Card>
        <CardHeader>
          <h1 className="text-xl leading-tight font-semibold">{title}</h1>
          {description && <CardDescription>{description}</CardDescription>}
        </CardHeader>
        <CardContent className="flex flex-col gap-4">{children}</CardContent>
      </Card>
      {footer && <div className="text-center text-sm text-muted-foreground">{footer}</div>}
    </div>
  );
}

/** An error from the server (already localized) shown inside a form. */
export function FormAlert({ message, tone = "error" }: { message: string | null | undefined; tone?: "error" | "success" }) {
  if (!message) return null;
  return (
    <Alert variant={tone === "error" ? "destructive" : "default"} data-testid={tone === "error" ? "form-error" : "form-success"}>
      {tone === "error" ? <AlertCircle /> : <CheckCircle2 className="text-success" />}
      <AlertDescription className={tone === "error" ? undefined : "text-foreground"}>{message}</AlertDescription>
    </Alert>
  );
}

/** A page outside the shell that only tells something, e.g. that a mail is on its way. */
export function AuthNotice({ title, message, footer }: { title: string; message: string; footer?: ReactNode }) {
  return (
    <AuthCard title={title} footer={footer}>
      <FormAlert tone="success" message={message} />
    </AuthCard>
  );
}

/**
 * A page outside the shell that is one form (sign-in, setup, sign-up, password reset): its card,
 * the server's error above the form unless a field shows it, the fields, and the submit button.
 */
export function AuthForm<In, Out>({
  title,
  description,
  footer,
  before,
  after,
  form,
  error,
  submitLabel,
  submitDisabled,
  onSubmit,
  children,
}: {
  title: string;
  description?: ReactNode;
  footer?: ReactNode;
  /** In the card above the form, and below it. */
  before?: ReactNode;
  after?: ReactNode;
  form: ZodForm<In, Out>;
  /** The call's error, or null. */
  error: unknown;
  submitLabel: ReactNode;
  submitDisabled?: boolean;
  onSubmit: (data: Out) => void;
  children: ReactNode;
}) {
  return (
    <AuthCard title={title} description={description} footer={footer}>
      {before}
      <FormAlert message={error && Object.keys(form.errors).length === 0 ? errorInfo(error).message : null} />
      <form ref={form.formRef} onSubmit={form.submit(onSubmit)} className="flex flex-col gap-4" noValidate>
        {children}
        <Button type="submit" disabled={submitDisabled}>
          {submitLabel}
        </Button>
      </form>
      {after}
    </AuthCard>
  );
}
