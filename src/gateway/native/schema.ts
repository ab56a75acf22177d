/**
 * A small declarative schema for the native YAML configuration, and its validator. The
 * validator walks the YAML nodes (not the plain values) so every problem carries the
 * dotted path of the value and its `file:line:col`:
 * `listeners[0].tls.clientAuth: expected one of "require", "optional", ..., got "maybe"`.
 * Unknown keys are errors (with the closest known key as a hint), never ignored.
 *
 * Source: YAML 1.2 via the `yaml` package (`parseDocument`, `LineCounter`).
 * @module
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import { ErrorCode, type SourceLocation } from "../../errors.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { parseNginxSize, parseNginxTime } from "../nginx/units.ts";

/** What a value must look like. */
export type Schema =
  | { readonly kind: "string"; readonly pattern?: RegExp; readonly expected?: string }
  | { readonly kind: "integer"; readonly min?: number; readonly max?: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  /** `30s`, `5m`, `1h` (nginx time syntax); becomes milliseconds. */
  | { readonly kind: "duration" }
  /** `1m`, `512k`, `1048576` (nginx size syntax); becomes bytes. */
  | { readonly kind: "size" }
  | { readonly kind: "array"; readonly items: Schema; readonly minItems?: number }
  | {
      readonly kind: "object";
      readonly fields: Readonly<Record<string, Field>>;
    }
  /** Free keys, each value of one schema (header maps, named upstreams). */
  | { readonly kind: "map"; readonly values: Schema; readonly keyPattern?: RegExp }
  /** A mapping checked against `object`, anything else against `scalar` (short and long forms). */
  | { readonly kind: "scalarOrObject"; readonly scalar: Schema; readonly object: Schema };

/** A key of an object. */
export interface Field {
  readonly schema: Schema;
  readonly required?: boolean;
}

/** Result of {@link validate}: plain values and where each came from. */
export interface Validated {
  /** The validated value (durations in ms, sizes in bytes); undefined on error. */
  readonly value: unknown;
  /** `file:line:col` of every value by its dotted path. */
  readonly locations: ReadonlyMap<string, SourceLocation>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Characters of a value quoted in an error, at most (longer ones end with `…`). */
const MAX_QUOTED = 40;

/**
 * A value quoted for an error message, cut to {@link MAX_QUOTED} characters plus `…`.
 * @param value any scalar value
 * @returns the JSON text of the (possibly cut) value
 */
export function quoteValue(value: unknown): string {
  if (typeof value === "string" && value.length > MAX_QUOTED) {
    return JSON.stringify(`${value.slice(0, MAX_QUOTED)}…`);
  }
  return JSON.stringify(value) ?? String(value);
}

function describe(node: Node | null | undefined): string {
  if (!node) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return quoteValue(node.value);
  return "an alias";
}

function closest(name: string, known: readonly string[]): string | undefined {
  const score = (a: string, b: string) => {
    const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = dp[0] as number;
      dp[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = dp[j] as number;
        dp[j] = Math.min(
          (dp[j] as number) + 1,
          (dp[j - 1] as number) + 1,
          prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
        );
        prev = tmp;
      }
    }
    return dp[b.length] as number;
  };
  const best = known.map((k) => [k, score(name, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/**
 * Validates a YAML node against a schema.
 * @param node the document's contents
 * @param schema the schema
 * @param options `file` for locations, `lineCounter` of the parse
 * @returns the plain value, the location of every path, and the problems
 */
export function validate(
  node: Node | null | undefined,
  schema: Schema,
  options: { readonly file: string; readonly lineCounter: LineCounter },
): Validated {
  const locations = new Map<string, SourceLocation>();
  const diagnostics: Diagnostic[] = [];
  const at = (n: Node | null | undefined): SourceLocation => {
    const pos = options.lineCounter.linePos(n?.range?.[0] ?? 0);
    return { file: options.file, line: pos.line, column: pos.col };
  };
  const fail = (path: string, n: Node | null | undefined, message: string, hint?: string) => {
    diagnostics.push({
      severity: "error",
      code: ErrorCode.CONFIG_INVALID,
      message: `${path || "(document)"}: ${message}`,
      ...(hint ? { hint } : {}),
      location: at(n),
    });
    return undefined;
  };
  const walk = (n: Node | null | undefined, s: Schema, path: string): unknown => {
    if (n) locations.set(path, at(n));
    const scalar = isScalar(n) ? n.value : undefined;
    switch (s.kind) {
      case "string": {
        if (!isScalar(n) || (typeof scalar !== "string" && typeof scalar !== "number")) {
          return fail(path, n, `expected ${s.expected ?? "a string"}, got ${describe(n)}`);
        }
        const v = String(scalar);
        if (s.pattern && !s.pattern.test(v)) {
          return fail(
            path,
            n,
            `expected ${s.expected ?? `text matching ${s.pattern}`}, got ${quoteValue(v)}`,
          );
        }
        return v;
      }
      case "integer": {
        if (typeof scalar !== "number" || !Number.isInteger(scalar)) {
          return fail(path, n, `expected an integer, got ${describe(n)}`);
        }
        if ((s.min !== undefined && scalar < s.min) || (s.max !== undefined && scalar > s.max)) {
          return fail(
            path,
            n,
            `expected an integer from ${s.min ?? "-∞"} to ${s.max ?? "∞"}, got ${scalar}`,
          );
        }
        return scalar;
      }
      case "boolean":
        if (typeof scalar !== "boolean")
          return fail(path, n, `expected true or false, got ${describe(n)}`);
        return scalar;
      case "enum":
        if (typeof scalar !== "string" || !s.values.includes(scalar)) {
          return fail(
            path,
            n,
            `expected one of ${s.values.map((v) => `"${v}"`).join(", ")}, got ${describe(n)}`,
          );
        }
        return scalar;
      case "duration": {
        const ms =
          typeof scalar === "string" || typeof scalar === "number"
            ? parseNginxTime(String(scalar))
            : undefined;
        if (ms === undefined)
          return fail(path, n, `expected a duration such as "30s" or "5m", got ${describe(n)}`);
        return ms;
      }
      case "size": {
        const bytes =
          typeof scalar === "string" || typeof scalar === "number"
            ? parseNginxSize(String(scalar))
            : undefined;
        if (bytes === undefined)
          return fail(path, n, `expected a size such as "1m" or "512k", got ${describe(n)}`);
        return bytes;
      }
      case "array": {
        if (!isSeq(n)) return fail(path, n, `expected a list, got ${describe(n)}`);
        if (s.minItems !== undefined && n.items.length < s.minItems) {
          return fail(
            path,
            n,
            `expected at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}, got ${n.items.length}`,
          );
        }
        return n.items.map((item, i) => walk(item as Node, s.items, `${path}[${i}]`));
      }
      case "object": {
        if (!isMap(n)) return fail(path, n, `expected a mapping, got ${describe(n)}`);
        const out: Record<string, unknown> = {};
        const known = Object.keys(s.fields);
        for (const pair of n.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : "";
          const field = s.fields[key];
          const sub = path ? `${path}.${key}` : key;
          if (!field) {
            const near = closest(key, known);
            fail(
              sub,
              pair.key as Node,
              "unknown key",
              near ? `did you mean "${near}"?` : `known keys: ${known.join(", ")}`,
            );
            continue;
          }
          out[key] = walk(pair.value as Node, field.schema, sub);
        }
        for (const [key, field] of Object.entries(s.fields)) {
          if (field.required && !(key in out))
            fail(path ? `${path}.${key}` : key, n, "missing required key");
        }
        return out;
      }
      case "map": {
        if (!isMap(n)) return fail(path, n, `expected a mapping, got ${describe(n)}`);
        const out: Record<string, unknown> = {};
        for (const pair of n.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : "";
          const sub = path ? `${path}.${key}` : key;
          if (s.keyPattern && !s.keyPattern.test(key)) {
            fail(sub, pair.key as Node, `invalid key "${key}"`);
            continue;
          }
          out[key] = walk(pair.value as Node, s.values, sub);
        }
        return out;
      }
      case "scalarOrObject":
        return walk(n, isMap(n) ? s.object : s.scalar, path);
      default: {
        const never: never = s;
        throw new TypeError(`unknown schema ${JSON.stringify(never)}`);
      }
    }
  };
  const value = walk(node, schema, "");
  return { value: diagnostics.length > 0 ? undefined : value, locations, diagnostics };
}
