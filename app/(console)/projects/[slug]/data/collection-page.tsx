"use client";

import { useQuery } from "@tanstack/react-query";
import { Database } from "lucide-react";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { EmptyState, LoadingRows, PageHeader, QueryError } from "../../../../../components/console/states";
import { CollectionPicker } from "../../../../../components/data/collection-picker";
import type { Collection } from "../../../../../components/data/model";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../components/ui/button";
import { useProject } from "../project-context";

/**
 * A page about one collection at a time (the data browser, the rules): the project's collections
 * with a picker in the header, loading, error and "no collections yet" states, and the chosen
 * collection's content from `children`.
 */
export function CollectionPage({
  title,
  description,
  className,
  loadingRows,
  children,
}: {
  title: string;
  description: string;
  className: string;
  loadingRows: number;
  children: (current: Collection, collections: Collection[], version: number) => ReactNode;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, project } = useProject();
  const model = useQuery(trpc.records.collections.queryOptions({ project: ref }));
  const [chosen, setChosen] = useState<string | null>(null);
  const collections = model.data?.collections ?? [];
  const current = collections.find((c) => c.name === chosen) ?? collections[0];
  return (
    <div className={`mx-auto flex flex-col gap-6 ${className}`}>
      <PageHeader
        title={title}
        description={description}
        actions={current ? <CollectionPicker collections={collections} value={current.name} onChange={setChosen} /> : undefined}
      />
      {model.isPending ? (
        <LoadingRows count={loadingRows} />
      ) : model.isError ? (
        <QueryError error={model.error} onRetry={() => model.refetch()} />
      ) : !current ? (
        <EmptyState
          icon={Database}
          title={t("browser.noCollectionsTitle")}
          body={t("browser.noCollectionsBody")}
          action={
            <Button asChild variant="outline">
              <Link href={`/projects/${encodeURIComponent(project.slug)}/data/model`}>{t("browser.openModel")}</Link>
            </Button>
          }
        />
      ) : (
        children(current, collections, model.data.version)
      )}
    </div>
  );
}
