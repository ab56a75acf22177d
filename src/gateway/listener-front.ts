/**
 * What the front of one listener does, from the configuration of the server blocks
 * sharing it: a PROXY header when its `listen` has `proxy_protocol`; the ClientHello
 * when a block has fingerprint lists or uses `$ssl_ja3`/`$ssl_ja3_hash`/`$ssl_ja4`; the
 * verdict from the lists of the block the SNI name selects (as the handshake will);
 * refusals logged to that listener's default block and counted in the metrics.
 * @module
 */
import type { LogLevel, ServerConfig } from "./config.ts";
import type { FrontOptions, FrontRejection } from "./connection-front.ts";
import type { ErrorLog } from "./error-log.ts";
import { fingerprintVerdict, hasFingerprintRules } from "./fingerprint-rules.ts";
import { usesFingerprintVariables } from "./front-variables.ts";
import type { ListenGroup } from "./listener.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { selectServer } from "./virtual-hosts.ts";

/** Options of {@link listenerFrontOptions}. */
export interface ListenerFrontContext {
  /** The default block's error log. */
  readonly log: ErrorLog;
  readonly metrics?: GatewayMetrics;
  /** Time allowed for the PROXY header and ClientHello, ms; default 60000. */
  readonly timeoutMs?: number;
}

/** nginx's level for each refusal: client-side trouble at `info`, a broken header and a rule at `error`. */
const LEVELS: Readonly<Record<FrontRejection, LogLevel>> = {
  proxy_protocol_broken_header: "error",
  proxy_protocol_timeout: "info",
  proxy_protocol_closed: "info",
  client_hello_timeout: "info",
  client_hello_closed: "info",
  fingerprint_denied: "error",
};

/**
 * The front options of one listener.
 * @param group the listen address and its blocks
 * @param servers `config.servers` (the group indexes into it)
 * @param context the log, metrics and timeout (ms)
 * @returns options for `installFront` (neither `proxyProtocol` nor `fingerprints`: no front)
 */
export function listenerFrontOptions(
  group: ListenGroup,
  servers: readonly ServerConfig[],
  context: ListenerFrontContext,
): FrontOptions {
  const blocks = group.blocks.map((i) => servers[i]).filter((s) => s !== undefined);
  const fingerprints = blocks.some(
    (b) => hasFingerprintRules(b.fingerprints) || usesFingerprintVariables(b),
  );
  const l = group.listen;
  const server = `${l.ipv6 ? `[${l.host}]` : l.host}:${l.port}`;
  return {
    proxyProtocol: blocks.some((b) =>
      b.listen.some((x) => x.proxyProtocol && x.host === l.host && x.port === l.port),
    ),
    fingerprints,
    verdict: (fp, name) => {
      const block = blocks[selectServer(blocks, name, group.defaultIndex)];
      return fingerprintVerdict(block?.fingerprints, fp);
    },
    ...(context.timeoutMs !== undefined ? { timeoutMs: context.timeoutMs } : {}),
    onReject: (reason, detail, info) => {
      context.metrics?.connectionRefused(reason);
      const proxied = info.facts.proxy?.source?.address;
      context.log.write(
        LEVELS[reason],
        `${detail}, client: ${info.peer}${proxied ? `, proxy_protocol_addr: ${proxied}` : ""}, server: ${server}`,
      );
    },
  };
}
