/**
 * Directive checks shared by the nginx importer: is the name known (with hints for the
 * usual slips: a missing space, a BOM, a real nginx directive mtlskit lacks), is it
 * allowed in this context, does it take a block, how many arguments, is it duplicate. An
 * unknown name gets the closest supported one as a hint ("did you mean `ssl_ciphers`?").
 * Source: nginx `ngx_conf_handler()` in `src/core/ngx_conf_file.c` (1.22).
 * @module
 */
import type { Diagnostic } from "../diagnostic.ts";
import { DIRECTIVES, type DirectiveContext, NGINX_UNSUPPORTED } from "./directives.ts";
import { isInheritedByServers } from "./http-inheritance.ts";
import { IGNORED_DIRECTIVES } from "./ignored-directives.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/**
 * Checks name, context, block and argument count; reports and returns false on a problem.
 * A simple directive cut off by the end of the file returns false without a report.
 */
export function checkDirective(
  cx: ValueContext,
  d: Directive,
  context: DirectiveContext,
  known: readonly string[],
): boolean {
  // Cut off by the end of the file: its name and arguments may be partial, and the parser
  // has already said so.
  if (d.truncated && !d.block) return false;
  const spec = DIRECTIVES.get(d.name);
  const ignored = IGNORED_DIRECTIVES[d.name];
  if (ignored !== undefined) {
    cx.report("warning", `Directive "${d.name}" is ignored: ${ignored}`, undefined, d.nameToken);
    return false;
  }
  if (!spec) {
    reportUnknown(cx, d, known, context);
    return false;
  }
  const inherited = (context === "http" || context === "main") && isInheritedByServers(d.name);
  if (!spec.contexts.includes(context) && !inherited) {
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

function reportUnknown(
  cx: ValueContext,
  d: Directive,
  known: readonly string[],
  context: DirectiveContext,
): void {
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
  const closest = closestName(name, known, (k) => DIRECTIVES.get(k)?.contexts.includes(context));
  cx.report(
    "error",
    `Unknown directive "${name}"`,
    closest ? `did you mean \`${closest}\`?` : UNKNOWN_DIRECTIVE_HINT,
    d.nameToken,
  );
}

/**
 * The hint of an unknown directive with no close known name. The importer adds the list
 * of supported directives to the first one printed only (see {@link listSupportedOnce}).
 */
export const UNKNOWN_DIRECTIVE_HINT = "check the spelling";

/**
 * Adds the list of supported directives to the hint of the first unknown directive that
 * has no suggestion, so a file with many unknown names prints the list once.
 * @param diagnostics in the order they are printed
 * @param known the supported directive names
 * @returns the same diagnostics, the first bare "check the spelling" hint completed
 */
export function listSupportedOnce(
  diagnostics: readonly Diagnostic[],
  known: readonly string[],
): Diagnostic[] {
  let listed = false;
  return diagnostics.map((d) => {
    if (listed || d.hint !== UNKNOWN_DIRECTIVE_HINT) return d;
    listed = true;
    return { ...d, hint: `${UNKNOWN_DIRECTIVE_HINT}; supported directives: ${known.join(", ")}` };
  });
}

/**
 * The candidate closest to a misspelt name: the same name in lower case, else the
 * shortest candidate the name is the start of (4 characters or more: a cut-off name),
 * else the nearest by edit distance (insert, delete, replace, swap two neighbours) when
 * it is at most a quarter of the name's length (at least 1). Ties go to a candidate
 * `preferred` accepts (e.g. allowed in the current block), then to the first.
 * @param name the unknown name
 * @param candidates known names
 * @param preferred tie-breaker; default: none
 * @returns the suggestion, or undefined when nothing is close
 * @example
 * ```ts
 * closestName("ssl_cipher", ["ssl_ciphers", "ssl_crl"]); // "ssl_ciphers"
 * ```
 */
export function closestName(
  name: string,
  candidates: readonly string[],
  preferred: (candidate: string) => boolean | undefined = () => false,
): string | undefined {
  const lower = name.toLowerCase();
  if (lower !== name && candidates.includes(lower)) return lower;
  const rank = (a: string, b: string) => (preferred(b) ? 1 : 0) - (preferred(a) ? 1 : 0);
  if (name.length >= 4) {
    const longer = candidates.filter((c) => c.length > name.length && c.startsWith(lower));
    const shortest = longer.sort((a, b) => a.length - b.length || rank(a, b))[0];
    if (shortest) return shortest;
  }
  // Names longer than any directive are junk, not typos (and cost no quadratic work).
  if (name.length > 64) return undefined;
  const limit = Math.max(1, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c);
    if (d < bestDistance || (d === bestDistance && best !== undefined && rank(c, best) < 0)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(v);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Collects a block's directives by name, reporting duplicates of single-use directives. */
export function collect(
  cx: ValueContext,
  block: readonly Directive[],
  context: DirectiveContext,
): Map<string, Directive[]> {
  return collectChecked(cx, block, {
    check: (d) => checkDirective(cx, d, context, [...DIRECTIVES.keys()]),
    multiple: (name) => DIRECTIVES.get(name)?.multiple === true,
  });
}

/**
 * Collects a block's directives by name with a caller's directive table (the stream
 * importer has its own): directives `check` refuses are left out (it reports why), and a
 * second one of a name `multiple` says is single-use is reported as a duplicate and left out.
 * @param cx where the duplicates are reported
 * @param block the block's directives, in order
 * @param options.check validates one directive, reporting its problems; false leaves it out
 * @param options.multiple whether a directive name may repeat (nginx: e.g. `listen`)
 * @returns the directives by name, in block order
 */
export function collectChecked(
  cx: ValueContext,
  block: readonly Directive[],
  options: {
    readonly check: (d: Directive) => boolean;
    readonly multiple: (name: string) => boolean;
  },
): Map<string, Directive[]> {
  const byName = new Map<string, Directive[]>();
  for (const d of block) {
    if (!options.check(d)) continue;
    const list = byName.get(d.name) ?? [];
    const first = list[0];
    if (first && !options.multiple(d.name)) {
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
