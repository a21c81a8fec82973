import type { Bus } from "../../platform/bus/bus";
import type { Database } from "../../platform/db/connect";
import type { NavEntry } from "../../platform/module";

export type Phase = "starting" | "ready" | "stopping";

export interface Lifecycle {
  readonly phase: Phase;
  /** Why the process is not ready yet, e.g. the last database error. */
  readonly waitingFor: string | null;
}

export interface ReadinessReport {
  ready: boolean;
  phase: Phase;
  checks: { database: CheckResult; bus: CheckResult };
}

export interface CheckResult {
  ok: boolean;
  error?: string;
  ms: number;
}

/** What the process is and whether it can serve: behind `/readyz` and `system.info`. */
export function createSystemService(deps: {
  database: Pick<Database, "kind" | "ping">;
  bus: Pick<Bus, "kind" | "ping">;
  lifecycle: Lifecycle;
  version: string;
  startedAt: number;
  /** Every module's console navigation entries. */
  nav?: readonly NavEntry[];
  clock?: () => number;
}) {
  const now = deps.clock ?? Date.now;

  async function check(run: () => Promise<void>): Promise<CheckResult> {
    const start = performance.now();
    try {
      await withTimeout(run(), 2000);
      return { ok: true, ms: elapsed(start) };
    } catch (err) {
      return { ok: false, error: (err as Error).message || String(err), ms: elapsed(start) };
    }
  }

  return {
    /** The console's navigation entries, as the modules declare them. */
    nav: (): readonly NavEntry[] => deps.nav ?? [],
    info() {
      return {
        version: deps.version,
        database: deps.database.kind,
        bus: deps.bus.kind,
        node: process.version,
        uptimeSeconds: Math.floor((now() - deps.startedAt) / 1000),
        startedAt: new Date(deps.startedAt).toISOString(),
      };
    },
    async readiness(): Promise<ReadinessReport> {
      const [database, bus] = await Promise.all([check(() => deps.database.ping()), check(() => deps.bus.ping())]);
      return { ready: deps.lifecycle.phase === "ready" && database.ok && bus.ok, phase: deps.lifecycle.phase, checks: { database, bus } };
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;

/** What probes and the console see: which checks pass and how fast, not error texts (they name hosts; they go to the log). */
export function publicReadiness(report: ReadinessReport) {
  const strip = (c: CheckResult) => ({ ok: c.ok, ms: c.ms });
  return { ready: report.ready, phase: report.phase, checks: { database: strip(report.checks.database), bus: strip(report.checks.bus) } };
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}
