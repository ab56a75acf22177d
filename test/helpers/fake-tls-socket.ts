import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";

/**
 * What the gateway reads from a client's TLSSocket after the handshake (`peerChain`,
 * Node's verdict, resumption, the address), without a socket: `getPeerCertificate(true)`
 * links the chain through `issuerCertificate` as Node does.
 * @param chain - DER certificates, leaf first (empty: the client sent none)
 * @param options.authorized - Node's verdict; default true (false gives `CERT_HAS_EXPIRED`)
 * @param options.reused - what `isSessionReused()` says; default false
 * @returns the stand-in, typed as a TLSSocket
 */
export function fakeTlsSocket(
  chain: readonly Uint8Array[],
  options: { readonly authorized?: boolean; readonly reused?: boolean } = {},
): TLSSocket {
  const authorized = options.authorized ?? true;
  const link = (i: number): unknown => {
    const der = chain[i];
    if (!der) return undefined;
    return {
      raw: Buffer.from(der),
      fingerprint256: createHash("sha256").update(der).digest("hex"),
      issuerCertificate: link(i + 1),
    };
  };
  return {
    authorized,
    authorizationError: authorized ? undefined : "CERT_HAS_EXPIRED",
    remoteAddress: "127.0.0.1",
    isSessionReused: () => options.reused === true,
    getPeerCertificate: () => link(0) ?? {},
  } as unknown as TLSSocket;
}
