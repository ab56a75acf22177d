/**
 * nginx inheritance of http-level (and main-level `error_log`) directives into `server`
 * blocks: a directive written outside applies to every server that does not set it
 * itself (nginx "Directives" doc: "directives are inherited from the previous level" —
 * a level with its own value, even one of several, inherits none of that name).
 * @module
 */
import { DIRECTIVES } from "./directives.ts";
import type { Directive } from "./parser.ts";

/**
 * Whether an http-level directive is inherited by servers: the `ssl_*`, `proxy_*`,
 * `client_*` and `error_log` directives mtlskit supports in `server`.
 * @param name the directive's name
 * @returns true when it may stand in http (and main for `error_log`) and be inherited
 */
export function isInheritedByServers(name: string): boolean {
  const spec = DIRECTIVES.get(name);
  return (
    !!spec &&
    spec.contexts.includes("server") &&
    (/^(ssl|proxy|client)_/.test(name) || name === "error_log")
  );
}

/**
 * The inheritable directives of one level on top of the enclosing level's: a name set
 * here hides the outer directives of that name.
 * @param outer what the enclosing level passes down
 * @param directives this level's directives
 * @returns the inheritable directives, outer ones not set here first
 */
export function inheritedAt(
  outer: readonly Directive[],
  directives: readonly Directive[],
): Directive[] {
  const here = directives.filter((d) => isInheritedByServers(d.name));
  const names = new Set(here.map((d) => d.name));
  return [...outer.filter((d) => !names.has(d.name)), ...here];
}

/**
 * A `server` block with the outer directives it inherits put first.
 * @param server the `server { }` directive
 * @param outer the inheritable directives of the enclosing levels, outermost first
 * @returns the server directive, its block completed with each name it does not set
 */
export function inheritInto(server: Directive, outer: readonly Directive[]): Directive {
  const own = new Set((server.block ?? []).map((d) => d.name));
  const added = outer.filter((d) => !own.has(d.name));
  if (added.length === 0) return server;
  return { ...server, block: [...added, ...(server.block ?? [])] };
}
