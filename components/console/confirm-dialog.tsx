"use client";

import { useState, type ReactNode } from "react";
import { toast } from "sonner";
import { useI18n } from "../i18n/i18n-provider";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "../ui/alert-dialog";
import { errorInfo } from "./errors";

export interface ConfirmDialogProps {
  title: ReactNode;
  description: ReactNode;
  confirmLabel: ReactNode;
  variant?: "default" | "destructive";
  /**
   * Does the thing (e.g. a mutation's `mutateAsync`). The button is disabled while it runs; the
   * dialog closes when it resolves and stays open with the error in a toast when it throws.
   */
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  /** Keeps the button disabled, e.g. until the project's slug is typed. */
  confirmDisabled?: boolean;
  confirmTestId?: string;
  /** Between the description and the buttons, e.g. a field to type a name into. */
  children?: ReactNode;
}

/** Asks before an action that cannot be taken back. Mounted open by its page (`{deleting && <ConfirmDelete … />}`). */
export function ConfirmDialog({
  title,
  description,
  confirmLabel,
  variant = "default",
  onConfirm,
  onClose,
  confirmDisabled,
  confirmTestId,
  children,
}: ConfirmDialogProps) {
  const { t } = useI18n();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog open onOpenChange={(o) => !o && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {children}
        <AlertDialogFooter>
          <AlertDialogCancel>{t("common.cancel")}</AlertDialogCancel>
          <AlertDialogAction
            variant={variant}
            disabled={pending || confirmDisabled}
            data-testid={confirmTestId}
            onClick={async (e) => {
              // The action closes the dialog only once the call has succeeded.
              e.preventDefault();
              setPending(true);
              try {
                await onConfirm();
              } catch (error) {
                toast.error(errorInfo(error).message);
                setPending(false);
                return;
              }
              setPending(false);
              onClose();
            }}
          >
            {confirmLabel}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** A destructive confirmation whose button says "Delete" unless told otherwise ("Revoke", "Remove from project"). */
export function ConfirmDelete({
  confirmLabel,
  ...props
}: Omit<ConfirmDialogProps, "variant" | "confirmLabel"> & { confirmLabel?: ReactNode }) {
  const { t } = useI18n();
  return <ConfirmDialog {...props} variant="destructive" confirmLabel={confirmLabel ?? t("common.delete")} />;
}
