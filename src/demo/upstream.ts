/**
 * The demo's upstream: an HTTPS service that itself demands a client certificate (the
 * gateway's) and answers JSON describing the request and the client identity it saw, so
 * the demo can show which certificate reached which hop.
 * @module
 */
import { X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { ErrorCode, MtlsError } from "../errors.ts";

/** PEM material of the upstream: its server certificate and the CA its clients must chain to. */
export interface UpstreamOptions {
  readonly certPem: string;
  readonly keyPem: string;
  /** CA certificates (PEM) that client certificates must chain to. */
  readonly caPem: string;
  /** Address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 0 (any free port). */
  readonly port?: number;
}

/** A running upstream. */
export interface RunningUpstream {
  readonly host: string;
  readonly port: number;
  /** Requests served so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** The JSON body the upstream answers with. */
export interface UpstreamReply {
  readonly service: "mtlskit demo upstream";
  readonly method: string;
  readonly path: string;
  /** The client certificate this upstream verified (the gateway's, when proxied). */
  readonly client: { readonly subject: string; readonly issuer: string; readonly serial: string };
  readonly tls: { readonly protocol: string | null; readonly cipher: string };
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
}

function rfc2253(dn: string): string {
  // node prints one `key=value` per line, most significant first; RFC 2253 reverses it.
  return dn.split("\n").filter(Boolean).reverse().join(",");
}

/**
 * Starts the upstream on loopback. The TLS handshake itself rejects clients without a
 * certificate from `caPem` (`rejectUnauthorized: true`), unlike nginx.
 * @throws {MtlsError} `MTLS_ADDRESS_IN_USE` when the port is taken
 */
export async function startUpstream(options: UpstreamOptions): Promise<RunningUpstream> {
  const host = options.host ?? "127.0.0.1";
  let requests = 0;
  const server: Server = createServer(
    {
      cert: options.certPem,
      key: options.keyPem,
      ca: options.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    },
    (req, res) => {
      requests++;
      const socket = req.socket as TLSSocket;
      const raw = socket.getPeerX509Certificate?.();
      const peer = raw instanceof X509Certificate ? raw : undefined;
      const reply: UpstreamReply = {
        service: "mtlskit demo upstream",
        method: req.method ?? "GET",
        path: req.url ?? "/",
        client: {
          subject: peer ? rfc2253(peer.subject) : "",
          issuer: peer ? rfc2253(peer.issuer) : "",
          serial: peer?.serialNumber ?? "",
        },
        tls: { protocol: socket.getProtocol(), cipher: socket.getCipher().standardName },
        requestHeaders: req.headers,
      };
      const body = `${JSON.stringify(reply, null, 2)}\n`;
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "EADDRINUSE"
          ? new MtlsError(
              ErrorCode.ADDRESS_IN_USE,
              `Cannot listen on ${host}:${options.port}: address in use`,
              {
                cause: e,
              },
            )
          : e,
      );
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
