import { Suspense, type ReactNode } from "react";
import { ConsoleGate, ShellSkeleton } from "../../components/console/gates";

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense fallback={<ShellSkeleton />}>
      <ConsoleGate>{children}</ConsoleGate>
    </Suspense>
  );
}
