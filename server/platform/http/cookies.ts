/** Cookies by name from a Cookie header; malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      // leave it out
    }
  }
  return out;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "Lax" | "Strict" | "None";
  path?: string;
}

export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? "/"}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.httpOnly ?? true) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  parts.push(`SameSite=${options.sameSite ?? "Lax"}`);
  return parts.join("; ");
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookies(header)[name];
}

/**
 * The `Set-Cookie` value of the console's session cookie: the token until `expiresAt`, or a
 * clearing cookie for null. Secure when apprun is served over https (its public URL or the request).
 */
export function sessionCookieHeader(name: string, session: { token: string; expiresAt: string } | null, secure: boolean): string {
  return serializeCookie(name, session?.token ?? "", {
    httpOnly: true,
    secure,
    sameSite: "Lax",
    maxAgeSeconds: session ? (Date.parse(session.expiresAt) - Date.now()) / 1000 : 0,
  });
}
