/**
 * JSON text of field trees, remembering the text of values that are shared between
 * messages (a server's Certificate tree, a client's `cipher_suites` list, an extension's
 * decoded value): those are serialised once per capture instead of once per connection.
 * @module
 */
import type { FieldValue } from "./field-tree.ts";

/** Serialisations of shared values ("" until first asked). */
const sharedJson = new WeakMap<object, string>();

/** JSON texts of object keys (field names: a few hundred distinct ones). */
const KEY_JSON = new Map<string, string>();
const KEY_JSON_MAX = 4096;

/**
 * Marks a value as shared: it is never modified, so {@link fieldJson} may keep its text.
 * @param value an object or array from a field tree (strings and numbers need no marking)
 * @returns the same value
 */
export function shareFieldValue<T extends FieldValue>(value: T): T {
  if (typeof value === "object" && value !== null && !sharedJson.has(value)) {
    sharedJson.set(value, "");
  }
  return value;
}

/**
 * `JSON.stringify(value)`, byte for byte, reusing the text of values marked with
 * {@link shareFieldValue}.
 * @param value a field tree or any value in one
 * @returns its JSON text
 * @example
 * ```ts
 * fieldJson({ cipher_suite: "TLS_AES_128_GCM_SHA256 (0x1301)" }); // same as JSON.stringify
 * ```
 */
export function fieldJson(value: FieldValue): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const known = sharedJson.get(value);
  if (known) return known;
  const text = compose(value);
  if (known !== undefined) sharedJson.set(value, text);
  return text;
}

function compose(value: object): string {
  if (Array.isArray(value)) {
    let s = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ",";
      const v = value[i] as FieldValue | undefined;
      s += v === undefined ? "null" : fieldJson(v);
    }
    return `${s}]`;
  }
  let s = "{";
  let first = true;
  // Object.keys has JSON.stringify's order (integer-like keys first, then insertion order).
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, FieldValue | undefined>)[key];
    if (v === undefined) continue;
    if (!first) s += ",";
    first = false;
    s += `${keyJson(key)}:${fieldJson(v)}`;
  }
  return `${s}}`;
}

function keyJson(key: string): string {
  let text = KEY_JSON.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (KEY_JSON.size < KEY_JSON_MAX) KEY_JSON.set(key, text);
  }
  return text;
}
