"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Permission } from "../../server/modules/projects/permissions";
import { useTRPC } from "../trpc/trpc-provider";

export interface PermissionGroup {
  module: string;
  permissions: Permission[];
}

/** Permissions grouped by their prefix, in the catalog's order: `members:read` → group "members". */
export function groupPermissions(names: readonly string[], keep: (p: Permission) => boolean = () => true): PermissionGroup[] {
  const out: PermissionGroup[] = [];
  for (const p of names as readonly Permission[]) {
    if (!keep(p)) continue;
    const module = p.split(":")[0]!;
    const group = out.find((g) => g.module === module) ?? out[out.push({ module, permissions: [] }) - 1]!;
    group.permissions.push(p);
  }
  return out;
}

/** The instance's permission catalog (every module's permissions, declared by the modules), grouped. */
export function usePermissionGroups(keep?: (p: Permission) => boolean): PermissionGroup[] {
  const trpc = useTRPC();
  const catalog = useQuery({ ...trpc.projects.permissions.queryOptions(), staleTime: Infinity });
  return useMemo(() => groupPermissions(catalog.data ?? [], keep), [catalog.data, keep]);
}
