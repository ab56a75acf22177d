/**
 * `upstream NAME { server HOST[:PORT] [weight=N]; ... keepalive N; }`: a named group of
 * servers that `proxy_pass http(s)://NAME` spreads requests over, round robin by weight.
 * The block's directives are read here (not through the directive table) because its
 * `server` is a simple directive, unlike the `server { }` block of `http`.
 *
 * Source: nginx 1.22 `ngx_http_upstream_module` (`upstream`, `server`, `keepalive`).
 * @module
 */
import { isIP } from "node:net";
import type { UpstreamBlockConfig, UpstreamServerConfig } from "../config.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/** Server parameters accepted and ignored (passive health checks are not implemented). */
const IGNORED_PARAMS = /^(max_fails=\d+|fail_timeout=\w+|max_conns=\d+)$/;

function serverLine(cx: ValueContext, d: Directive): UpstreamServerConfig | undefined {
  const [addr, ...params] = d.args;
  if (!addr) {
    cx.report(
      "error",
      'Directive "server" in upstream takes an address',
      "e.g. `server 10.0.0.1:8443;`",
      d.nameToken,
    );
    return undefined;
  }
  let host = addr.value;
  let port = 80;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracket) {
    host = bracket[1] ?? "";
    if (bracket[2]) port = Number(bracket[2]);
  } else if (host.includes(":")) {
    const i = host.lastIndexOf(":");
    port = Number(host.slice(i + 1));
    host = host.slice(0, i);
  }
  if (!(port >= 1 && port <= 65535) || host === "" || host.startsWith("unix:")) {
    cx.report(
      "error",
      `Invalid upstream server "${addr.raw}": expecting HOST[:PORT] with a port from 1 to 65535`,
      undefined,
      addr,
    );
    return undefined;
  }
  if (bracket && isIP(host) !== 6) {
    cx.report(
      "error",
      `Invalid upstream server "${addr.raw}": not an IPv6 address`,
      undefined,
      addr,
    );
    return undefined;
  }
  let weight = 1;
  for (const p of params) {
    const w = /^weight=(\d+)$/.exec(p.value);
    if (w && Number(w[1]) >= 1) weight = Number(w[1]);
    else if (!IGNORED_PARAMS.test(p.value)) {
      cx.report(
        "error",
        `Upstream server parameter "${p.raw}" is not supported yet`,
        'supported: "weight=N" (max_fails, fail_timeout, max_conns are accepted and ignored)',
        p,
      );
    }
  }
  return {
    host,
    port,
    weight,
    location: { file: d.location.file, line: d.location.line, column: d.location.column },
  };
}

/**
 * Reads one `upstream` block.
 * @param cx the importer's context
 * @param d the `upstream NAME { ... }` directive (already checked for a block and one argument)
 * @returns the block, or undefined when it is unusable (reported)
 */
export function importUpstream(cx: ValueContext, d: Directive): UpstreamBlockConfig | undefined {
  const name = d.args[0]?.value ?? "";
  const servers: UpstreamServerConfig[] = [];
  let keepalive: number | undefined;
  for (const c of d.block ?? []) {
    if (c.name === "server" && !c.block) {
      const s = serverLine(cx, c);
      if (s) servers.push(s);
    } else if (c.name === "keepalive" && !c.block && c.args.length === 1) {
      const n = Number(c.args[0]?.value);
      if (Number.isInteger(n) && n >= 1) keepalive = n;
      else
        cx.report(
          "error",
          `Invalid value for "keepalive": "${c.args[0]?.raw}", expecting a number`,
          undefined,
          c.args[0] ?? c.nameToken,
        );
    } else {
      cx.report(
        "error",
        `Directive "${c.name}" is not supported in upstream by mtlskit yet`,
        'supported: "server ADDRESS[:PORT] [weight=N];" and "keepalive N;"',
        c.nameToken,
      );
    }
  }
  if (servers.length === 0) {
    // A block cut off by the end of the file may have lost its servers.
    if (d.truncated) return undefined;
    cx.report(
      "error",
      `Upstream "${name}" has no server`,
      "add `server 10.0.0.1:8443;`",
      d.nameToken,
    );
    return undefined;
  }
  return {
    name,
    servers,
    ...(keepalive !== undefined ? { keepalive } : {}),
    location: d.location,
  };
}
