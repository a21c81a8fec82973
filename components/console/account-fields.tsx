"use client";

import type { ReactNode } from "react";
import { PASSWORD_MIN_LENGTH } from "../../server/platform/crypto/password-policy";
import { useI18n } from "../i18n/i18n-provider";
import { Input } from "../ui/input";
import { Field, type ZodForm } from "./form";

/** A new password, with the policy's minimum length as its hint. */
export function NewPasswordField<K extends string = "password">({
  form,
  name = "password" as K,
  label,
  autoFocus,
}: {
  form: ZodForm<Record<K, string>, unknown>;
  name?: K;
  label?: ReactNode;
  autoFocus?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Field
      id={`field-${name}`}
      label={label ?? t("fields.password")}
      error={form.errors[name]}
      hint={t("fields.passwordHint", { min: PASSWORD_MIN_LENGTH })}
    >
      <Input {...form.text(name)} type="password" autoComplete="new-password" autoFocus={autoFocus} />
    </Field>
  );
}

/**
 * Name, email and password of a new console account: one's own (setup, sign-up) or, with
 * `forSomeoneElse`, an account an administrator creates (no autofill from the admin's own details).
 */
export function AccountFields<In extends { name: string; email: string; password: string }>({
  form,
  forSomeoneElse,
}: {
  form: ZodForm<In, unknown>;
  forSomeoneElse?: boolean;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field id="field-name" label={t("fields.name")} error={form.errors.name}>
        <Input {...form.text("name")} autoComplete={forSomeoneElse ? undefined : "name"} autoFocus />
      </Field>
      <Field id="field-email" label={t("fields.email")} error={form.errors.email}>
        <Input {...form.text("email")} type="email" autoComplete={forSomeoneElse ? "off" : "email"} />
      </Field>
      <NewPasswordField form={form} label={forSomeoneElse ? t("accounts.initialPassword") : undefined} />
    </>
  );
}
