"use client";

import { useState } from "react";
import { PageHeader } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "../../../../../components/ui/tabs";
import { RequirePermission } from "../project-context";
import { Channels } from "./channels";
import { Inspector } from "./inspector";
import { LiveTest } from "./live-test";

type Tab = "channels" | "inspector" | "live";

function Realtime() {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>("channels");
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader title={t("realtime.title")} description={t("realtime.subtitle")} />
      <Tabs value={tab} onValueChange={(v) => setTab(v as Tab)}>
        <TabsList>
          <TabsTrigger value="channels">{t("realtime.tabChannels")}</TabsTrigger>
          <TabsTrigger value="inspector">{t("realtime.tabInspector")}</TabsTrigger>
          <TabsTrigger value="live">{t("realtime.tabLive")}</TabsTrigger>
        </TabsList>
        <TabsContent value="channels" className="mt-4">
          <Channels />
        </TabsContent>
        <TabsContent value="inspector" className="mt-4">
          <Inspector />
        </TabsContent>
        {/* Kept mounted: switching tabs does not close the test socket. */}
        <TabsContent value="live" className="mt-4" forceMount hidden={tab !== "live"}>
          <LiveTest />
        </TabsContent>
      </Tabs>
    </div>
  );
}

export default function RealtimePage() {
  return (
    <RequirePermission permission="events:read">
      <Realtime />
    </RequirePermission>
  );
}
