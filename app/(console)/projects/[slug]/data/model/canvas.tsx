"use client";

import {
  Background,
  ConnectionMode,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Asterisk, Fingerprint, KeyRound, Link2 } from "lucide-react";
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { useTheme } from "../../../../../../components/shell/theme";
import { cn } from "../../../../../../components/ui/cn";
import { relationEdges, type DraftCollection, type DraftModel } from "../../../../../../components/designer/model-draft";
import { TypeBadge } from "./type-badge";

export type Positions = Record<string, { x: number; y: number }>;

interface CollectionNodeData extends Record<string, unknown> {
  collection: DraftCollection;
  selectedField: number | null;
  readOnly: boolean;
  onSelectField(index: number): void;
}

type CollectionNode = Node<CollectionNodeData, "collection">;

const CollectionNodeView = memo(function CollectionNodeView({ data, selected }: NodeProps<CollectionNode>) {
  const { t } = useI18n();
  const { collection, selectedField, readOnly, onSelectField } = data;
  return (
    <div
      className={cn(
        "w-[260px] rounded-lg border bg-card text-card-foreground shadow-sm",
        selected ? "border-primary ring-2 ring-primary/30" : "border-border",
      )}
      data-testid={`node-${collection.name}`}
      data-collection={collection.name}
    >
      <Handle
        type="target"
        position={Position.Left}
        id="in"
        isConnectable={!readOnly}
        className="!size-3 !border-2 !border-background !bg-primary"
        data-testid={`handle-in-${collection.name}`}
      />
      {/* Anchors only: an edge to a collection on the left leaves from this side (see edgeHandles). */}
      <Handle type="source" position={Position.Left} id="out-left" isConnectable={false} className="!pointer-events-none !opacity-0" />
      <div className="flex items-center justify-between gap-2 rounded-t-lg border-b bg-muted/60 px-3 py-2">
        <span className="truncate font-mono text-sm font-semibold">{collection.name || "—"}</span>
        <span className="text-xs text-muted-foreground">{t("designer.fieldCount", { count: collection.fields.length })}</span>
      </div>
      <ul className="py-1 text-xs">
        <li className="flex items-center gap-2 px-3 py-1 text-muted-foreground">
          <KeyRound className="size-3" />
          <span className="font-mono">id</span>
          <span className="ml-auto">{t("designer.systemFields")}</span>
        </li>
        {collection.fields.map((f, i) => (
          <li key={`${i}:${f.name}`}>
            <button
              type="button"
              className={cn(
                "nodrag flex w-full items-center gap-1.5 px-3 py-1 text-left hover:bg-accent",
                selectedField === i && selected && "bg-accent",
              )}
              onClick={(e) => {
                e.stopPropagation();
                onSelectField(i);
              }}
              data-testid={`node-field-${collection.name}-${f.name}`}
            >
              <span className="truncate font-mono">{f.name}</span>
              {f.required === true && <Asterisk className="size-3 shrink-0 text-destructive" aria-label={t("designer.required")} />}
              {f.unique === true && <Fingerprint className="size-3 shrink-0 text-primary" aria-label={t("designer.unique")} />}
              {f.type === "relation" && (
                <span className="flex min-w-0 items-center gap-0.5 text-muted-foreground">
                  <Link2 className="size-3 shrink-0" />
                  <span className="truncate font-mono">
                    {String(f.collection ?? "")}
                    {f.multiple === true ? "[]" : ""}
                  </span>
                </span>
              )}
              <TypeBadge type={f.type} className="ml-auto" />
            </button>
          </li>
        ))}
        {collection.fields.length === 0 && <li className="px-3 py-1 text-muted-foreground italic">{t("designer.noFieldsYet")}</li>}
      </ul>
      <Handle type="target" position={Position.Right} id="in-right" isConnectable={false} className="!pointer-events-none !opacity-0" />
      <Handle
        type="source"
        position={Position.Right}
        id="out"
        isConnectable={!readOnly}
        className="!size-3 !border-2 !border-background !bg-primary"
        data-testid={`handle-out-${collection.name}`}
      />
    </div>
  );
});

const nodeTypes = { collection: CollectionNodeView };

/** Which sides an edge joins: the facing ones, so a relation to a collection on the left does not loop around. */
function edgeHandles(
  from: { x: number } | undefined,
  to: { x: number } | undefined,
  self: boolean,
): { sourceHandle: string; targetHandle: string } {
  if (!self && from && to && to.x + 130 < from.x) return { sourceHandle: "out-left", targetHandle: "in-right" };
  return { sourceHandle: "out", targetHandle: "in" };
}

interface CanvasProps {
  model: DraftModel;
  positions: Positions;
  onPositions(change: (p: Positions) => Positions): void;
  selected: { key: string; field: number | null } | null;
  onSelect(selection: { key: string; field: number | null } | null): void;
  onConnect(sourceKey: string, targetKey: string): void;
  readOnly: boolean;
  /** Bumped to ask the canvas to fit everything in view (after an auto-layout). */
  fitSignal: number;
}

function CanvasInner({ model, positions, onPositions, selected, onSelect, onConnect, readOnly, fitSignal }: CanvasProps) {
  const { t } = useI18n();
  const { theme } = useTheme();
  const flow = useReactFlow();
  // Measured sizes handed back to the nodes (a controlled flow keeps them; the minimap draws from them).
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const nodes = useMemo<CollectionNode[]>(
    () =>
      model.collections.map((c, i) => ({
        id: c.key,
        type: "collection",
        position: positions[c.key] ?? { x: (i % 4) * 380, y: Math.floor(i / 4) * 320 },
        selected: selected?.key === c.key,
        ...(sizes[c.key] ? { measured: sizes[c.key] } : {}),
        data: {
          collection: c,
          selectedField: selected?.key === c.key ? selected.field : null,
          readOnly,
          onSelectField: (field: number) => onSelect({ key: c.key, field }),
        },
      })),
    [model, positions, selected, readOnly, onSelect, sizes],
  );
  const edges = useMemo<Edge[]>(
    () =>
      relationEdges(model).map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        ...edgeHandles(positions[e.source], positions[e.target], e.source === e.target),
        label: e.multiple ? `${e.field} [ ]` : e.field,
        markerEnd: { type: MarkerType.ArrowClosed },
        animated: false,
        style: e.required ? { strokeWidth: 2 } : { strokeDasharray: "4 3" },
        labelStyle: { fontFamily: "var(--font-mono, monospace)", fontSize: 11 },
        data: { field: e.field },
      })),
    [model, positions],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<CollectionNode>[]) => {
      const moved = changes.filter(
        (c): c is Extract<NodeChange<CollectionNode>, { type: "position" }> => c.type === "position" && c.position !== undefined,
      );
      if (moved.length) onPositions((p) => ({ ...p, ...Object.fromEntries(moved.map((m) => [m.id, m.position!])) }));
      const measured = changes.filter(
        (c): c is Extract<NodeChange<CollectionNode>, { type: "dimensions" }> => c.type === "dimensions" && c.dimensions !== undefined,
      );
      if (measured.length) setSizes((z) => ({ ...z, ...Object.fromEntries(measured.map((m) => [m.id, m.dimensions!])) }));
    },
    [onPositions],
  );

  useEffect(() => {
    if (fitSignal > 0) requestAnimationFrame(() => void flow.fitView({ padding: 0.2, maxZoom: 1 }));
  }, [fitSignal, flow]);

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onNodeClick={(_e, node) => onSelect({ key: node.id, field: null })}
      onPaneClick={() => onSelect(null)}
      onEdgeClick={(_e, edge) => {
        // An edge is a relation field: open it.
        const source = model.collections.find((c) => c.key === edge.source);
        const index = source?.fields.findIndex((f) => f.name === (edge.data as { field?: string } | undefined)?.field) ?? -1;
        if (source && index >= 0) onSelect({ key: source.key, field: index });
      }}
      onConnect={(c) => c.source && c.target && onConnect(c.source, c.target)}
      connectionMode={ConnectionMode.Loose}
      connectionRadius={40}
      nodesDraggable
      nodesConnectable={!readOnly}
      elementsSelectable
      deleteKeyCode={null}
      colorMode={theme === "dark" ? "dark" : theme === "light" ? "light" : "system"}
      fitView
      fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
      minZoom={0.2}
      maxZoom={2}
      proOptions={{ hideAttribution: true }}
      aria-label={t("designer.canvasLabel")}
    >
      <Background gap={20} />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable style={{ width: 160, height: 100 }} nodeColor="#94a3b8" nodeStrokeColor="#64748b" nodeBorderRadius={4} />
    </ReactFlow>
  );
}

/** The model as a diagram: collections as nodes listing their fields, relations as edges; drag handle to handle to relate. */
export function ModelCanvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}
