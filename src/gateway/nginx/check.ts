/**
 * Directive checks shared by the nginx importer: is the name known (with hints for the
 * usual slips: a missing space, a BOM, a real nginx directive mtlskit lacks), is it
 * allowed in this context, does it take a block, how many arguments, is it duplicate.
 * Source: nginx `ngx_conf_handler()` in `src/core/ngx_conf_file.c` (1.22).
 * @module
 */
import { DIRECTIVES, type DirectiveContext, NGINX_UNSUPPORTED } from "./directives.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/** Checks name, context, block and argument count; reports and returns false on a problem. */
export function checkDirective(
  cx: ValueContext,
  d: Directive,
  context: DirectiveContext,
  known: readonly string[],
): boolean {
  const spec = DIRECTIVES.get(d.name);
  if (!spec) {
    reportUnknown(cx, d, known);
    return false;
  }
  if (!spec.contexts.includes(context)) {
    cx.report(
      "error",
      `Directive "${d.name}" is not allowed in ${context}: it belongs in ${spec.contexts.join(" or ")}`,
      `move it into a ${spec.contexts[0]} block`,
      d.nameToken,
    );
    return false;
  }
  if (spec.block && !d.block) {
    cx.report("error", `Directive "${d.name}" has no block: expecting "{"`, undefined, d.nameToken);
    return false;
  }
  if (!spec.block && d.block) {
    cx.report(
      "error",
      `Directive "${d.name}" takes no block: expecting ";"`,
      `end it with ";"`,
      d.nameToken,
    );
    return false;
  }
  const [min, max] = spec.args;
  const n = d.args.length;
  if (n >= min && n <= max) return true;
  const expected =
    min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  const plural = max === 1 && min === 1 ? "argument" : "arguments";
  const extra = d.args[max === Infinity ? 0 : max];
  const at = n > max && extra ? extra : d.nameToken;
  const got = d.args.map((a) => `"${a.raw}"`).join(", ");
  let hint: string | undefined;
  const nextLine = d.args.find((a) => a.line > d.nameToken.line);
  if (spec.path && n === 2 && nextLine === undefined) {
    const joined = `${d.args[0]?.value} ${d.args[1]?.value}`;
    hint = `the path contains a space: remove the space, or quote the path: "${joined}"`;
  } else if (nextLine) {
    hint = `";" is probably missing at the end of line ${d.nameToken.line}`;
  }
  cx.report(
    "error",
    `Directive "${d.name}" takes ${expected} ${plural}, got ${n}${n > 0 ? `: ${got}` : ""}`,
    hint,
    at,
  );
  return false;
}

function reportUnknown(cx: ValueContext, d: Directive, known: readonly string[]): void {
  const name = d.name;
  if (name.startsWith("\uFEFF")) {
    cx.report(
      "error",
      `Unknown directive "${name}": the file starts with a UTF-8 byte order mark (U+FEFF), which nginx reads as part of the first word`,
      "save the file as UTF-8 without BOM",
      d.nameToken,
    );
    return;
  }
  const glued = known
    .filter(
      (k) =>
        name.length > k.length && name.startsWith(k) && !/[a-z0-9_]/i.test(name[k.length] ?? ""),
    )
    .sort((a, b) => b.length - a.length)[0];
  if (glued) {
    const rest = name.slice(glued.length);
    cx.report(
      "error",
      `Unknown directive "${name}": nginx reads it as one word because no space follows "${glued}"`,
      `put a space between \`${glued}\` and \`${rest}\``,
      d.nameToken,
    );
    return;
  }
  if (NGINX_UNSUPPORTED.has(name)) {
    cx.report(
      "error",
      `Directive "${name}" is not supported by mtlskit yet`,
      "remove it, or run nginx for this configuration",
      d.nameToken,
    );
    return;
  }
  cx.report(
    "error",
    `Unknown directive "${name}"`,
    `check the spelling; supported directives: ${known.join(", ")}`,
    d.nameToken,
  );
}

/** Collects a block's directives by name, reporting duplicates of single-use directives. */
export function collect(
  cx: ValueContext,
  block: readonly Directive[],
  context: DirectiveContext,
): Map<string, Directive[]> {
  const byName = new Map<string, Directive[]>();
  for (const d of block) {
    if (!checkDirective(cx, d, context, [...DIRECTIVES.keys()])) continue;
    const list = byName.get(d.name) ?? [];
    const first = list[0];
    if (first && !DIRECTIVES.get(d.name)?.multiple) {
      cx.report(
        "error",
        `Directive "${d.name}" is duplicate: first set at line ${first.location.line}`,
        "keep one of them",
        d.nameToken,
      );
      continue;
    }
    list.push(d);
    byName.set(d.name, list);
  }
  return byName;
}

/** The first directive of `name` in a collected block. */
export function one(byName: Map<string, Directive[]>, name: string): Directive | undefined {
  return byName.get(name)?.[0];
}
