"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { errorInfo } from "../../../components/console/errors";
import { Field, useZodForm } from "../../../components/console/form";
import { slugFromName } from "../../../components/console/format";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../../../components/ui/dialog";
import { Input } from "../../../components/ui/input";
import { createProjectInput } from "../../../server/modules/projects/schema";

/** New project: a name, and a slug suggested from it until the user edits the slug. */
export function CreateProjectDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const form = useZodForm(createProjectInput, { name: "", slug: "" }, { hints: { slug: "projects.slugRules" } });
  const [slugEdited, setSlugEdited] = useState(false);
  const create = useMutation(
    trpc.projects.create.mutationOptions({
      onSuccess: async (project) => {
        toast.success(t("projects.created", { name: project.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
        // Leaving the page closes the dialog; closing it first would race the two navigations.
        router.push(`/projects/${encodeURIComponent(project.slug)}`);
      },
      onError: (e) => {
        if (errorInfo(e).code === "slug_taken") form.fieldError("slug", e.message);
        else if (!form.serverError(e)) toast.error(e.message);
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) {
          form.reset({ name: "", slug: "" });
          setSlugEdited(false);
        }
        onOpenChange(o);
      }}
    >
      <DialogContent closeLabel={t("common.close")}>
        <DialogHeader>
          <DialogTitle>{t("projects.createTitle")}</DialogTitle>
          <DialogDescription>{t("projects.createDescription")}</DialogDescription>
        </DialogHeader>
        <form
          ref={form.formRef}
          onSubmit={form.submit((d) => create.mutate(d))}
          className="flex flex-col gap-4"
          noValidate
          id="create-project-form"
        >
          <Field id="field-name" label={t("projects.name")} error={form.errors.name}>
            <Input
              {...form.text("name")}
              onChange={(e) => {
                form.set("name", e.target.value);
                if (!slugEdited) form.set("slug", slugFromName(e.target.value));
              }}
              autoFocus
            />
          </Field>
          <Field id="field-slug" label={t("projects.slug")} error={form.errors.slug} hint={t("projects.slugHint")}>
            <Input
              {...form.text("slug")}
              onChange={(e) => {
                setSlugEdited(true);
                form.set("slug", e.target.value);
              }}
              className="font-mono"
              spellCheck={false}
              autoCapitalize="off"
            />
          </Field>
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" form="create-project-form" disabled={create.isPending}>
            {t("projects.create")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
