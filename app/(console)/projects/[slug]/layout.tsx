import type { ReactNode } from "react";
import { ProjectBoundary } from "./project-context";

export default function ProjectLayout({ children }: { children: ReactNode }) {
  return <ProjectBoundary>{children}</ProjectBoundary>;
}
