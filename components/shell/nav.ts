import {
  BadgeCheck,
  BookOpen,
  Boxes,
  Cable,
  DatabaseBackup,
  Database,
  FileLock2,
  Radio,
  FileClock,
  History,
  Network,
  KeyRound,
  KeySquare,
  LayoutDashboard,
  LockKeyhole,
  Settings,
  Share2,
  ShieldCheck,
  SlidersHorizontal,
  UserRound,
  Users,
  UsersRound,
  type LucideIcon,
} from "lucide-react";
import type { Permission } from "../../server/modules/projects/permissions";
import type { MessageKey } from "../i18n/catalog";

export interface NavItem {
  href: string;
  label: MessageKey;
  icon: LucideIcon;
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

/**
 * The console's navigation: only what exists, and only what the user may open. A module adds its
 * entries when its pages land.
 */
export function navSections(input: {
  instanceAdmin: boolean;
  project: { slug: string; name: string; permissions: readonly string[] } | null;
}): NavSection[] {
  const sections: NavSection[] = [
    {
      id: "main",
      items: [
        { href: "/", label: "nav.overview", icon: LayoutDashboard, exact: true },
        { href: "/projects", label: "nav.projects", icon: Boxes, exact: true },
      ],
    },
  ];
  if (input.project) {
    const base = `/projects/${encodeURIComponent(input.project.slug)}`;
    const can = (p: Permission) => input.project!.permissions.includes(p);
    const items: NavItem[] = [{ href: base, label: "nav.projectOverview", icon: LayoutDashboard, exact: true }];
    if (can("members:read"))
      items.push(
        { href: `${base}/members`, label: "nav.members", icon: Users },
        { href: `${base}/roles`, label: "nav.roles", icon: ShieldCheck },
      );
    items.push({ href: `${base}/sharing`, label: "nav.sharing", icon: Share2 });
    if (can("audit:read")) items.push({ href: `${base}/audit`, label: "nav.audit", icon: FileClock });
    if (can("project:update") || can("project:delete") || can("project:transfer"))
      items.push({ href: `${base}/settings`, label: "nav.settings", icon: Settings });
    sections.push({ id: "project", title: { text: input.project.name }, items });
    // The project's app users and how they sign in; every member may read the sign-in settings.
    const auth: NavItem[] = [];
    if (can("users:read"))
      auth.push(
        { href: `${base}/users`, label: "nav.appUsers", icon: UserRound },
        { href: `${base}/app-roles`, label: "nav.appRoles", icon: BadgeCheck },
      );
    if (can("project:read")) auth.push({ href: `${base}/auth`, label: "nav.authSettings", icon: LockKeyhole });
    if (can("keys:read")) auth.push({ href: `${base}/api-keys`, label: "nav.apiKeys", icon: KeySquare });
    if (auth.length > 0) sections.push({ id: "auth", title: { key: "nav.authSection" }, items: auth });
    // The project's data: the records, their access rules, the model designer and its history.
    const data: NavItem[] = [];
    if (can("data:read")) {
      data.push(
        { href: `${base}/data/browser`, label: "browser.nav", icon: Database },
        { href: `${base}/data/rules`, label: "rules.nav", icon: FileLock2 },
      );
      data.push(
        { href: `${base}/data/model`, label: "designer.navModel", icon: Network },
        { href: `${base}/data/history`, label: "history.navTitle", icon: History },
      );
      data.push({ href: `${base}/data/api`, label: "apiDocs.nav", icon: BookOpen });
      // Archives need both reading the data and managing the model.
      if (can("schema:manage")) data.push({ href: `${base}/data/backup`, label: "backup.nav", icon: DatabaseBackup });
    }
    if (data.length > 0) sections.push({ id: "data", title: { key: "browser.navSection" }, items: data });
    if (can("events:read")) sections.push({ id: "events", items: [{ href: `${base}/events`, label: "nav.events", icon: Radio }] });
    // Realtime push: channels and the inspector of connected clients (the realtime router authorizes with events:read).
    if (can("events:read")) sections.push({ id: "realtime", items: [{ href: `${base}/realtime`, label: "realtime.nav", icon: Cable }] });
  }
  if (input.instanceAdmin) {
    sections.push({
      id: "admin",
      title: { key: "nav.administration" },
      items: [
        { href: "/admin/settings", label: "nav.instanceSettings", icon: SlidersHorizontal },
        { href: "/admin/accounts", label: "nav.accounts", icon: UsersRound },
        { href: "/admin/sso", label: "nav.sso", icon: KeyRound },
        { href: "/admin/audit", label: "nav.instanceAudit", icon: FileClock },
      ],
    });
  }
  return sections;
}

export function isActive(item: NavItem, pathname: string): boolean {
  return item.exact ? pathname === item.href : pathname === item.href || pathname.startsWith(`${item.href}/`);
}
