import type { NavEntry } from "../../server/platform/module";
import type { MessageKey } from "../i18n/catalog";

export type { NavEntry };

export interface NavItem {
  href: string;
  label: MessageKey;
  /** A lucide icon name (see `icons.ts`). */
  icon: string;
  /** Exact match only (an overview whose children are other items). */
  exact?: boolean;
}

export interface NavSection {
  id: string;
  /** A message key, or a literal title (a project's name). */
  title?: { key: MessageKey } | { text: string };
  items: NavItem[];
}

/** Where a path sits: inside a project (and which), or not. */
export function projectSlugOf(pathname: string): string | null {
  const match = /^\/projects\/([^/]+)/.exec(pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** The console's own pages, outside any module. */
const MAIN: NavSection = {
  id: "main",
  items: [
    { href: "/", label: "nav.overview", icon: "layout-dashboard", exact: true },
    { href: "/projects", label: "nav.projects", icon: "boxes", exact: true },
  ],
};

/**
 * The console's navigation, built from the entries the modules declare (`nav` in each module
 * definition, served by `system.nav`): only what exists, and only what the viewer may open.
 * Entries group by `group` in the order groups first appear; inside a project the `project`
 * group carries the project's name.
 */
export function navSections(input: {
  instanceAdmin: boolean;
  project: { slug: string; name: string; permissions: readonly string[] } | null;
  entries: readonly NavEntry[];
}): NavSection[] {
  const sections: NavSection[] = [MAIN];
  const visible = input.entries.filter((e) => {
    if (e.scope === "instance") return input.instanceAdmin;
    if (!input.project) return false;
    const held = input.project.permissions;
    if (e.anyOf && !e.anyOf.some((p) => held.includes(p))) return false;
    if (e.allOf && !e.allOf.every((p) => held.includes(p))) return false;
    return true;
  });
  const groups = new Map<string, NavEntry[]>();
  for (const e of visible) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  const base = input.project ? `/projects/${encodeURIComponent(input.project.slug)}` : "";
  for (const [group, entries] of groups) {
    const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.order ?? 0) - (b.e.order ?? 0) || a.i - b.i);
    const label = entries.find((e) => e.groupLabel)?.groupLabel;
    const title = group === "project" && input.project ? { text: input.project.name } : label ? { key: label as MessageKey } : undefined;
    sections.push({
      id: group,
      ...(title ? { title } : {}),
      items: sorted.map(({ e }) => ({
        href: e.scope === "instance" ? e.path : e.path === "" ? base : `${base}/${e.path}`,
        label: e.label as MessageKey,
        icon: e.icon,
        ...(e.exact ? { exact: true } : {}),
      })),
    });
  }
  // Instance administration comes last, after the project's groups.
  const admin = sections.findIndex((s) => s.id === "admin");
  if (admin > 0) sections.push(...sections.splice(admin, 1));
  return sections;
}

export function isActive(item: NavItem, pathname: string): boolean {
  return item.exact ? pathname === item.href : pathname === item.href || pathname.startsWith(`${item.href}/`);
}
