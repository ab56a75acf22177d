/**
 * The server-side TLS directives of issue 5 that tune OpenSSL rather than name files:
 * `ssl_conf_command Ciphersuites LIST` (the one `ssl_conf_command` mtlskit implements),
 * `ssl_ecdh_curve`, `ssl_session_tickets`, `ssl_session_ticket_key` (repeatable: only the
 * first is used, see `ticket-keys.ts`).
 *
 * Source: nginx `ngx_http_ssl_module` docs (1.22): `ssl_conf_command` (1.19.4),
 * `ssl_ecdh_curve` (default `auto`), `ssl_session_tickets` (default on),
 * `ssl_session_ticket_key`, `ssl_handshake_timeout` (nginx 1.25 name, accepted as an
 * extension: 1.22 times the handshake with `client_header_timeout`), `client_header_timeout`.
 * @module
 */
import type { ServerTlsConfig } from "../config.ts";
import { ciphersuitesProblem, ecdhCurveProblem, TLS13_CIPHERSUITES } from "../tls-groups.ts";
import { one } from "./check.ts";
import { flag } from "./import-location.ts";
import type { Directive } from "./parser.ts";
import { parseNginxTime } from "./units.ts";
import type { ValueContext } from "./values.ts";

/** What other `ssl_conf_command` names map to, for the "not supported" hint. */
const CONF_COMMAND_HINTS: Readonly<Record<string, string>> = {
  ciphersuites: "",
  cipherstring: "use `ssl_ciphers` for TLS 1.2 and older suites",
  groups: "use `ssl_ecdh_curve` for the key exchange groups",
  curves: "use `ssl_ecdh_curve` for the key exchange groups",
  protocol: "use `ssl_protocols`",
  minprotocol: "use `ssl_protocols`",
  maxprotocol: "use `ssl_protocols`",
  options: "remove it: OpenSSL options are not configurable in mtlskit",
  signaturealgorithms: "remove it: signature algorithms follow OpenSSL's defaults in mtlskit",
};

/** The fields of {@link ServerTlsConfig} these directives set. */
export type SslExtras = Pick<
  ServerTlsConfig,
  "ciphersuites" | "ecdhCurve" | "sessionTickets" | "sessionTicketKeys" | "handshakeTimeoutMs"
>;

/** A time directive in ms (`60s`, `1m`, `500ms`), reporting a bad value at its column. */
function timeMs(cx: ValueContext, d: Directive | undefined): number | undefined {
  const a = d?.args[0];
  if (!d || !a) return undefined;
  const ms = parseNginxTime(a.value);
  if (ms !== undefined && ms > 0) return ms;
  cx.report(
    "error",
    `Invalid value for "${d.name}": "${a.raw}", expecting a time greater than 0`,
    `e.g. \`${d.name} 60s;\` (ms, s, m, h)`,
    a,
  );
  return undefined;
}

/**
 * `client_header_timeout TIME` of a server block (default 60s): the time for the first
 * request header after the handshake; also the handshake's when `ssl_handshake_timeout`
 * is absent (nginx 1.22 has no `ssl_handshake_timeout`).
 * @param cx the importer's context
 * @param byName the block's directives by name
 * @returns `{ clientHeaderTimeoutMs }` when written and valid, else `{}`
 */
export function importClientHeaderTimeout(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
): { clientHeaderTimeoutMs?: number } {
  const ms = timeMs(cx, one(byName, "client_header_timeout"));
  return ms !== undefined ? { clientHeaderTimeoutMs: ms } : {};
}

/**
 * Reads `ssl_conf_command`, `ssl_ecdh_curve`, `ssl_session_tickets` and
 * `ssl_session_ticket_key` of a server block.
 * @param cx the importer's context
 * @param byName the block's directives by name (from `collect`)
 * @returns the settings written (absent ones keep their defaults)
 */
export function importSslExtras(cx: ValueContext, byName: Map<string, Directive[]>): SslExtras {
  let ciphersuites: string | undefined;
  for (const d of byName.get("ssl_conf_command") ?? []) {
    const [nameT, valueT] = d.args;
    if (!nameT || !valueT) continue;
    const key = nameT.value.toLowerCase();
    if (key !== "ciphersuites") {
      cx.report(
        "error",
        `Command "${nameT.value}" of "ssl_conf_command" is not supported: mtlskit implements only Ciphersuites`,
        CONF_COMMAND_HINTS[key] ?? "remove it, or run nginx for this configuration",
        nameT,
      );
      continue;
    }
    const problem = ciphersuitesProblem(valueT.value);
    if (problem) {
      cx.report(
        "error",
        `Invalid value for "ssl_conf_command Ciphersuites": ${problem}`,
        `expecting a colon-separated list of ${TLS13_CIPHERSUITES.join(", ")}`,
        valueT,
      );
      continue;
    }
    ciphersuites = valueT.value;
  }
  const curveD = one(byName, "ssl_ecdh_curve");
  const curveT = curveD?.args[0];
  let ecdhCurve: string | undefined;
  if (curveT) {
    const problem = ecdhCurveProblem(curveT.value);
    if (problem) {
      cx.report(
        "error",
        `Invalid value for "ssl_ecdh_curve": ${problem}`,
        'expecting "auto" or groups such as X25519:prime256v1:secp384r1',
        curveT,
      );
    } else {
      ecdhCurve = curveT.value;
    }
  }
  const ticketsD = one(byName, "ssl_session_tickets");
  const sessionTickets = ticketsD ? flag(cx, ticketsD, true) : true;
  const keyDs = byName.get("ssl_session_ticket_key") ?? [];
  const sessionTicketKeys = keyDs.flatMap((d) => (d.args[0] ? [cx.path(d.args[0])] : []));
  for (const d of keyDs.slice(1)) {
    cx.report(
      "warning",
      `Directive "ssl_session_ticket_key ${d.args[0]?.value}" will not decrypt tickets: Node keeps one ticket key, the first (${keyDs[0]?.args[0]?.value})`,
      "tickets made under this key get a full handshake; see NGINX-COMPAT.md (session tickets)",
      d.nameToken,
    );
  }
  const handshakeTimeoutMs = timeMs(cx, one(byName, "ssl_handshake_timeout"));
  return {
    ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}),
    ...(!sessionTickets ? { sessionTickets } : {}),
    ...(sessionTicketKeys.length > 0 ? { sessionTicketKeys } : {}),
    ...(ciphersuites !== undefined ? { ciphersuites } : {}),
    ...(ecdhCurve !== undefined ? { ecdhCurve } : {}),
  };
}
