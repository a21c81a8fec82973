"use client";

import { AuditLog, PROJECT_ACTIONS } from "../../../../../components/console/audit-log";
import { PageHeader } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPCClient } from "../../../../../components/trpc/trpc-provider";
import { useProject } from "../project-context";

export default function ProjectAuditPage() {
  const { t } = useI18n();
  const client = useTRPCClient();
  const { ref, project } = useProject();
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader title={t("audit.title")} description={t("audit.projectSubtitle")} />
      <AuditLog
        scope={["project", project.id]}
        actions={PROJECT_ACTIONS}
        load={(q) => client.projects.audit.query({ project: ref, ...q })}
      />
    </div>
  );
}
