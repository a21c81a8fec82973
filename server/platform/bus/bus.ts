/** A message on the bus: a subject (dot-separated tokens) and a JSON-serializable payload. */
export interface BusMessage<T = unknown> {
  subject: string;
  data: T;
}

export type BusHandler = (message: BusMessage) => void | Promise<void>;

/**
 * The process-wide message bus. Subjects are dot-separated tokens; subscriptions may use `*`
 * (one token) and `>` (one or more trailing tokens), as NATS does, so drivers are interchangeable.
 */
export interface Bus {
  readonly kind: "embedded" | "nats";
  publish(subject: string, data: unknown): Promise<void>;
  subscribe(pattern: string, handler: BusHandler): () => void;
  /** Resolves when the bus can carry messages; `/readyz` calls it. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Whether a concrete subject matches a subscription pattern. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return s.length > i;
    if (i >= s.length) return false;
    if (token !== "*" && token !== s[i]) return false;
  }
  return p.length === s.length;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const PATTERN = /^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$/;

export function isValidSubject(subject: string): boolean {
  return SUBJECT.test(subject);
}

export function isValidPattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}
