"use client";

import { RequirePermission } from "../../project-context";
import { ModelDesigner } from "./designer";

export default function DataModelPage() {
  return (
    <RequirePermission permission="data:read">
      <ModelDesigner />
    </RequirePermission>
  );
}
