"use client";

import { useId, type ComponentProps, type ReactNode } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { Button } from "../ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../ui/dialog";
import type { ServerErrorOptions, ZodForm } from "./form";

interface FrameProps {
  title: ReactNode;
  description: ReactNode;
  submitLabel: ReactNode;
  submitVariant?: "default" | "destructive";
  submitTestId?: string;
  onClose: () => void;
  /** Replaces the form and its buttons, e.g. a secret shown once after creating. */
  done?: ReactNode;
  /** The dialog's width and other content options (`sm:max-w-2xl`, focus on open, outside clicks). */
  className?: string;
  contentProps?: Pick<ComponentProps<typeof DialogContent>, "onOpenAutoFocus" | "onInteractOutside"> & { "data-testid"?: string };
}

/**
 * The frame of a dialog around one form: title, description, the form (children, whose `<form>`
 * has the id `formId`), Cancel and the submit button, disabled while `pending`. `FormDialog` is
 * this frame with a zod form in it; a form with its own state (a record's fields) uses the frame.
 */
export function FormDialogFrame({
  title,
  description,
  submitLabel,
  submitVariant,
  submitTestId,
  onClose,
  done,
  className,
  contentProps,
  formId,
  pending,
  children,
}: FrameProps & { formId: string; pending: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent closeLabel={t("common.close")} className={className} {...contentProps}>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {done ?? (
          <>
            {children}
            <DialogFooter>
              <Button variant="outline" onClick={onClose}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" form={formId} variant={submitVariant} disabled={pending} data-testid={submitTestId}>
                {submitLabel}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}

export interface FormDialogProps<In, Out> extends FrameProps {
  /** The form's state, from `useZodForm` with the schema the server checks too. */
  form: ZodForm<In, Out>;
  /**
   * Sends the checked values (e.g. a mutation's `mutateAsync`). While it runs the submit button is
   * disabled; when it resolves the dialog closes (unless `closeOnSuccess` is false); when it
   * throws, the error goes by the fields it names, else into a toast.
   */
  onSubmit: (data: Out) => Promise<unknown>;
  closeOnSuccess?: boolean;
  /** Which error codes name a field, how the procedure's issue paths map to the form's fields. */
  serverErrors?: ServerErrorOptions;
  /** Shows a failed submit another way than by field or toast (e.g. an alert above the form). */
  onError?: (error: unknown) => void;
  /** Shown above the form, e.g. an alert. */
  before?: ReactNode;
  /** The fields. */
  children: ReactNode;
}

/**
 * A dialog around one zod form: title, description, the fields, Cancel and a submit button. Mounted
 * open by its page (`{editing && <…Dialog onClose=… />}`), so each opening starts from fresh values.
 */
export function FormDialog<In, Out>({
  form,
  onSubmit,
  onClose,
  closeOnSuccess = true,
  serverErrors,
  onError,
  before,
  children,
  ...frame
}: FormDialogProps<In, Out>) {
  const formId = useId();
  return (
    <FormDialogFrame {...frame} onClose={onClose} formId={formId} pending={form.pending}>
      {before}
      <form
        ref={form.formRef}
        id={formId}
        noValidate
        className="flex flex-col gap-4"
        onSubmit={form.submit(async (data) => {
          try {
            await onSubmit(data);
          } catch (error) {
            if (onError) onError(error);
            else form.showError(error, serverErrors);
            return;
          }
          if (closeOnSuccess) onClose();
        })}
      >
        {children}
      </form>
    </FormDialogFrame>
  );
}
