export interface NatsTarget {
  /** `host:port` of each seed server. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** First token of every subject and stream name apprun creates, so installs can share a server. */
  prefix: string;
  /** JetStream replicas of each stream apprun creates (1 on a single server). */
  replicas: number;
  /** The URL with credentials hidden, for logs. */
  label: string;
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
const PREFIX = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses a NATS bus URL: `nats://[user:pass@ | token@]host[:port][,host[:port]…][?prefix=NAME&replicas=N]`.
 * Returns an error message instead of throwing, so configuration validation can name the key.
 */
export function parseNatsUrl(url: string): NatsTarget | string {
  if (!url.startsWith("nats://")) return "must start with nats://";
  let rest = url.slice("nats://".length);
  const query = new URLSearchParams(rest.includes("?") ? rest.slice(rest.indexOf("?") + 1) : "");
  if (rest.includes("?")) rest = rest.slice(0, rest.indexOf("?"));
  rest = rest.replace(/\/$/, "");

  const target: NatsTarget = { servers: [], prefix: "apprun", replicas: 1, label: "" };
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(":");
    try {
      if (colon >= 0) {
        target.user = decodeURIComponent(auth.slice(0, colon));
        target.pass = decodeURIComponent(auth.slice(colon + 1));
      } else {
        target.token = decodeURIComponent(auth);
      }
    } catch {
      return "has badly encoded credentials";
    }
  }
  for (const host of rest.split(",")) {
    if (!HOST.test(host)) return `has an invalid server address "${host}"`;
    const port = host.match(/:(\d+)$/)?.[1];
    if (port && (Number(port) < 1 || Number(port) > 65535)) return `has an invalid port in "${host}"`;
    target.servers.push(port ? host : `${host}:4222`);
  }

  for (const key of query.keys()) {
    if (key !== "prefix" && key !== "replicas") return `has an unknown parameter "${key}" (prefix, replicas)`;
  }
  const prefix = query.get("prefix");
  if (prefix !== null) {
    if (!PREFIX.test(prefix)) return "prefix must be 1–32 letters, digits, _ or -";
    target.prefix = prefix;
  }
  const replicas = query.get("replicas");
  if (replicas !== null) {
    if (!/^[1-5]$/.test(replicas)) return "replicas must be 1 to 5";
    target.replicas = Number(replicas);
  }
  const auth = target.user !== undefined ? `${target.user}:***@` : target.token !== undefined ? "***@" : "";
  target.label = `nats://${auth}${target.servers.join(",")}${query.size ? `?${query}` : ""}`;
  return target;
}
