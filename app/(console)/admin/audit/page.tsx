"use client";

import { AuditLog, INSTANCE_ACTIONS } from "../../../../components/console/audit-log";
import { PageHeader } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPCClient } from "../../../../components/trpc/trpc-provider";

export default function InstanceAuditPage() {
  const { t } = useI18n();
  const client = useTRPCClient();
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader title={t("audit.instanceTitle")} description={t("audit.instanceSubtitle")} />
      <AuditLog scope={["instance"]} actions={INSTANCE_ACTIONS} load={(q) => client.instance.audit.query(q)} />
    </div>
  );
}
