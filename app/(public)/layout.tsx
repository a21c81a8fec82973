import { Suspense, type ReactNode } from "react";
import { PublicCardSkeleton, PublicFrame } from "../../components/console/gates";

export default function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <PublicFrame>
      <Suspense fallback={<PublicCardSkeleton />}>{children}</Suspense>
    </PublicFrame>
  );
}
