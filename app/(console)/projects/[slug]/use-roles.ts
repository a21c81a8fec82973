"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { useProject } from "./project-context";

/** The project's roles, and custom role names by id (members and invitations carry role ids). */
export function useRoles() {
  const trpc = useTRPC();
  const { ref, can } = useProject();
  const roles = useQuery({ ...trpc.projects.roles.queryOptions({ project: ref }), enabled: can("members:read") });
  const customNames = useMemo(() => new Map((roles.data ?? []).filter((r) => !r.builtIn).map((r) => [r.id, r.name])), [roles.data]);
  return { roles, customNames };
}
