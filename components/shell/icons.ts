import {
  BadgeCheck,
  BookOpen,
  Box,
  Boxes,
  Cable,
  Database,
  DatabaseBackup,
  FileClock,
  FileLock2,
  History,
  KeyRound,
  KeySquare,
  LayoutDashboard,
  LockKeyhole,
  Network,
  Radio,
  Settings,
  Share2,
  ShieldCheck,
  SlidersHorizontal,
  UserRound,
  Users,
  UsersRound,
  type LucideIcon,
} from "lucide-react";

/**
 * The icons navigation entries name (lucide names in kebab case), compiled into the console.
 * An entry naming an icon not listed here is drawn with a plain box; add a line to give it its own.
 */
const ICONS: Record<string, LucideIcon> = {
  "badge-check": BadgeCheck,
  "book-open": BookOpen,
  boxes: Boxes,
  cable: Cable,
  database: Database,
  "database-backup": DatabaseBackup,
  "file-clock": FileClock,
  "file-lock-2": FileLock2,
  history: History,
  "key-round": KeyRound,
  "key-square": KeySquare,
  "layout-dashboard": LayoutDashboard,
  "lock-keyhole": LockKeyhole,
  network: Network,
  radio: Radio,
  settings: Settings,
  "share-2": Share2,
  "shield-check": ShieldCheck,
  "sliders-horizontal": SlidersHorizontal,
  "user-round": UserRound,
  users: Users,
  "users-round": UsersRound,
};

export function navIcon(name: string): LucideIcon {
  return ICONS[name] ?? Box;
}
