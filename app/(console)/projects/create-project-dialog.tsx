"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { Field, useZodForm } from "../../../components/console/form";
import { FormDialog } from "../../../components/console/form-dialog";
import { slugFromName } from "../../../components/console/format";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Input } from "../../../components/ui/input";
import { createProjectInput } from "../../../server/modules/projects/schema";

/** New project: a name, and a slug suggested from it until the user edits the slug. */
export function CreateProjectDialog({ onClose }: { onClose: () => void }) {
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
        router.push(`/projects/${encodeURIComponent(project.slug)}`);
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={t("projects.createTitle")}
      description={t("projects.createDescription")}
      submitLabel={t("projects.create")}
      serverErrors={{ codes: { slug_taken: "slug" } }}
      onSubmit={(d) => create.mutateAsync(d)}
      // Leaving the page closes the dialog; closing it first would race the two navigations.
      closeOnSuccess={false}
      onClose={onClose}
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
    </FormDialog>
  );
}
