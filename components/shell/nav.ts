import { LayoutDashboard, type LucideIcon } from "lucide-react";
import type { MessageKey } from "../i18n/catalog";

export interface NavItem {
  href: string;
  label: MessageKey;
  icon: LucideIcon;
}

/**
 * The console's navigation: only modules that are built appear here. A module adds its entry
 * when its pages land.
 */
export const navItems: NavItem[] = [{ href: "/", label: "nav.overview", icon: LayoutDashboard }];
