import type { Logger } from "pino";
import { isValidPattern, isValidSubject, subjectMatches, type Bus, type BusHandler } from "./bus";

/**
 * In-process fan-out for a single node. Handlers run after `publish` returns (on a microtask), so
 * a slow or failing subscriber never delays or breaks the publisher.
 */
export function createEmbeddedBus(deps: { logger?: Logger } = {}): Bus {
  const subscriptions = new Set<{ pattern: string; handler: BusHandler }>();
  let closed = false;

  return {
    kind: "embedded",
    async publish(subject, data) {
      if (closed) throw new Error("bus is closed");
      if (!isValidSubject(subject)) throw new Error(`invalid subject: ${subject}`);
      for (const sub of subscriptions) {
        if (!subjectMatches(sub.pattern, subject)) continue;
        queueMicrotask(() => {
          Promise.resolve()
            .then(() => sub.handler({ subject, data }))
            .catch((err) => deps.logger?.error({ err, subject }, "bus subscriber failed"));
        });
      }
    },
    subscribe(pattern, handler) {
      if (!isValidPattern(pattern)) throw new Error(`invalid subscription pattern: ${pattern}`);
      const sub = { pattern, handler };
      subscriptions.add(sub);
      return () => subscriptions.delete(sub);
    },
    async ping() {
      if (closed) throw new Error("bus is closed");
    },
    async close() {
      closed = true;
      subscriptions.clear();
    },
  };
}
