import { Registry, collectDefaultMetrics } from "prom-client";

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One registry per apprun instance (not prom-client's global), so several instances can live in
 * one test process. Modules add their own metrics to `registry`; `render()` is what /metrics serves.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "apprun_" });
  const httpDuration = createRouteHistogram(
    "apprun_http_request_duration_seconds",
    "HTTP request duration by route template, method and status code",
    DURATION_BUCKETS,
  );
  return {
    registry,
    httpDuration,
    contentType: registry.contentType,
    async render(): Promise<string> {
      return (await registry.metrics()) + httpDuration.render();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

interface Series {
  labels: string;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * The request-duration histogram, on the hot path of every request. prom-client hashes the label
 * object on each observation; this finds the series by three map lookups, a fraction of that. Label values are route templates, never raw
 * paths, so the series count stays bounded.
 */
export function createRouteHistogram(name: string, help: string, bounds: number[]) {
  // route → method → status → series: lookups without building a key string per request.
  const index = new Map<string, Map<string, Map<number, Series>>>();
  const series: Series[] = [];
  return {
    observe(route: string, method: string, status: number, seconds: number): void {
      let byMethod = index.get(route);
      if (!byMethod) index.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let s = byStatus.get(status);
      if (!s) {
        s = {
          labels: `route="${escapeLabel(route)}",method="${escapeLabel(method)}",status_code="${status}"`,
          buckets: new Float64Array(bounds.length),
          sum: 0,
          count: 0,
        };
        byStatus.set(status, s);
        series.push(s);
      }
      for (let i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]!) {
          s.buckets[i]!++;
          break;
        }
      }
      s.sum += seconds;
      s.count++;
    },
    /** Prometheus text exposition, cumulative buckets as the format requires. */
    render(): string {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
      for (const s of series) {
        let cumulative = 0;
        bounds.forEach((bound, i) => {
          cumulative += s.buckets[i]!;
          lines.push(`${name}_bucket{${s.labels},le="${bound}"} ${cumulative}`);
        });
        lines.push(`${name}_bucket{${s.labels},le="+Inf"} ${s.count}`);
        lines.push(`${name}_sum{${s.labels}} ${s.sum}`);
        lines.push(`${name}_count{${s.labels}} ${s.count}`);
      }
      return lines.join("\n") + "\n";
    },
  };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
