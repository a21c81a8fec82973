import sjson from "secure-json-parse";
import { AppError } from "../errors/app-error";

/** Deepest nesting of arrays and objects a JSON body may have: deeper input answers 400 `json_too_deep`. */
export const JSON_MAX_DEPTH = 100;

/**
 * The nesting depth of a JSON text, read without parsing (strings skipped), stopping as soon as it
 * passes `limit`. Recursive code further on (validation, canonical forms, CEL) then never meets
 * input deep enough to overflow the stack.
 */
export function exceedsDepth(text: string, limit = JSON_MAX_DEPTH): boolean {
  // Each level needs an opening and a closing character.
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/**
 * Parses a JSON request body: 400 `empty_json_body`, `invalid_json` (also for `__proto__` and
 * `constructor.prototype` keys, as Fastify refuses them) or `json_too_deep`.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new AppError("empty_json_body", 400);
  if (exceedsDepth(text)) throw new AppError("json_too_deep", 400, { limit: JSON_MAX_DEPTH });
  try {
    return sjson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch {
    throw new AppError("invalid_json", 400);
  }
}

/** `application/json`, and the `+json` types (CloudEvents' structured and batch modes among them). */
export const JSON_CONTENT_TYPES = /^application\/([\w.-]+\+)?json(\s*;.*)?$/i;
