import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type ConnectionOptions,
  createServer as createTlsServer,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import type {
  GatewayConfig,
  ServerTlsConfig,
  UpstreamTlsConfig,
} from "../../src/gateway/config.ts";
import type {
  ProxyProtocolVersion,
  StreamServerConfig,
} from "../../src/gateway/l4/stream-config.ts";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { freePort } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

// The L4 mode end to end: real TLS clients (Node, openssl s_client) through the gateway's
// stream listener to a plain TCP echo, a TLS upstream that requires the gateway's client
// certificate, and nginx 1.22 listening with `proxy_protocol`.

let pki: OpensslPki;
let pkiDir = "";
before(() => {
  pkiDir = mkdtempSync(join(tmpdir(), "mtls-l4-"));
  pki = makeOpensslPki(pkiDir);
});
after(() => rmSync(pkiDir, { recursive: true, force: true }));

function tlsSide(verifyClient: ServerTlsConfig["verifyClient"] = "on"): ServerTlsConfig {
  return {
    certificate: { path: pki.serverCert },
    certificateKey: { path: pki.serverKey },
    clientCertificate: { path: pki.caCert },
    verifyClient,
    sessionCache: { kind: "none" },
    sessionTimeoutSeconds: 300,
    protocols: ["TLSv1.2", "TLSv1.3"],
    ciphers: "HIGH:!aNULL:!MD5",
    preferServerCiphers: false,
  };
}

interface StreamOptions {
  readonly upstreamPort: number;
  readonly protocol?: "tcp" | "tls";
  readonly upstreamTls?: Partial<UpstreamTlsConfig>;
  readonly proxyProtocol?: ProxyProtocolVersion;
  readonly crc32c?: boolean;
  readonly idleTimeoutMs?: number;
  readonly verifyClient?: ServerTlsConfig["verifyClient"];
  /** Listen and upstream address; default 127.0.0.1. */
  readonly host?: string;
  /** `rejectInHandshake`; default false (nginx's behaviour). */
  readonly strict?: boolean;
}

function streamConfig(o: StreamOptions): GatewayConfig {
  const stream: StreamServerConfig = {
    listen: [
      { host: o.host ?? "127.0.0.1", port: 0, ipv6: (o.host ?? "").includes(":"), ssl: true },
    ],
    tls: { ...tlsSide(o.verifyClient), ...(o.strict ? { rejectInHandshake: true } : {}) },
    upstream: { protocol: o.protocol ?? "tcp", host: o.host ?? "127.0.0.1", port: o.upstreamPort },
    upstreamTls: { verify: true, sessionReuse: true, ...o.upstreamTls },
    proxyProtocol: o.proxyProtocol ?? "off",
    ...(o.crc32c ? { proxyProtocolCrc32c: true } : {}),
    connectTimeoutMs: 10_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
  };
  return { servers: [], streams: [stream] };
}

async function startL4(t: { after(fn: () => unknown): void }, config: GatewayConfig) {
  const lines: string[] = [];
  const gw = await startGateway(config, { log: (l) => lines.push(l), logLevel: "info" });
  t.after(() => gw.close());
  const a = gw.streamAddresses[0];
  assert.ok(a);
  return { gw, port: a.port, lines };
}

/** A TCP server on 127.0.0.1:0, closed when the test ends. */
async function tcpServer(
  t: { after(fn: () => unknown): void },
  onSocket: (s: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createTcpServer({ allowHalfOpen: true }, onSocket);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    // A proxy that closes without reading the echo resets the connection: not a failure here.
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects with the given client certificate, sends `data`, half-closes, and collects the answer. */
function exchange(
  port: number,
  data: string,
  cert: { cert?: string; key?: string } = { cert: pki.clientCert, key: pki.clientKey },
  mode: { readonly endAfterAnswer?: boolean } = {},
): Promise<{ answer: string; socket: TLSSocket; localPort: number; error?: Error }> {
  return new Promise((resolve) => {
    const options: ConnectionOptions & { allowHalfOpen: boolean } = {
      host: "127.0.0.1",
      port,
      ca: readFileSync(pki.caCert),
      servername: "localhost",
      allowHalfOpen: true,
      ...(cert.cert ? { cert: readFileSync(cert.cert) } : {}),
      ...(cert.key ? { key: readFileSync(cert.key) } : {}),
    };
    const socket = tlsConnect(options);
    let answer = "";
    let error: Error | undefined;
    let localPort = 0;
    socket.on("secureConnect", () => {
      localPort = socket.localPort ?? 0;
      if (mode.endAfterAnswer) socket.write(data);
      else socket.end(data);
    });
    socket.on("data", (c: Buffer) => {
      answer += c.toString("latin1");
      if (mode.endAfterAnswer && answer.length >= data.length) socket.end();
    });
    socket.on("error", (e) => {
      error = e;
    });
    // The server's end is the end of the exchange (the socket is half-open otherwise).
    socket.on("end", () => socket.end());
    const timer = setTimeout(() => {
      answer += "<timeout>";
      socket.destroy();
    }, 10_000);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, socket, localPort, ...(error ? { error } : {}) });
    });
  });
}

/** A plain TCP echo that answers after the client's FIN (proves half-close is relayed). */
function echoAfterEnd(t: { after(fn: () => unknown): void }, seen: Buffer[] = []) {
  return tcpServer(t, (s) => {
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => {
      const all = Buffer.concat(chunks);
      seen.push(all);
      s.end(Buffer.concat([Buffer.from("echo:"), all]));
    });
  });
}

describe("the L4 proxy to a plain TCP upstream", () => {
  test("relays bytes both ways and passes the client's half-close on", async (t) => {
    const up = await echoAfterEnd(t);
    const { port, lines, gw } = await startL4(t, streamConfig({ upstreamPort: up.port }));
    const r = await exchange(port, "hello through L4");
    assert.equal(r.answer, "echo:hello through L4");
    await waitFor(() => lines.some((l) => /upstream disconnected|client disconnected/.test(l)));
    const end = lines.find((l) => / disconnected, bytes/.test(l));
    assert.match(end ?? "", /bytes from\/to client:16\/21, bytes from\/to upstream:21\/16/);
    const metrics = await gw.metrics.registry.metrics();
    assert.match(metrics, /mtls_gateway_stream_bytes_total\{direction="from_client"\} 16/);
    assert.match(metrics, /mtls_gateway_stream_bytes_total\{direction="from_upstream"\} 21/);
    assert.match(metrics, /mtls_gateway_handshakes_total\{result="ok",reason=""\} 1/);
  });

  test("works for openssl s_client with the client certificate", async (t) => {
    const openssl = requirePeer(t, "openssl");
    if (!openssl) return;
    const up = await tcpServer(t, (s) => s.pipe(s));
    const { port } = await startL4(t, streamConfig({ upstreamPort: up.port }));
    const out = await run(
      openssl,
      [
        "s_client",
        "-connect",
        `127.0.0.1:${port}`,
        "-cert",
        pki.clientCert,
        "-key",
        pki.clientKey,
        "-CAfile",
        pki.caCert,
        "-quiet",
        "-verify_return_error",
      ],
      "ping over s_client\n",
    );
    assert.match(out.stdout, /ping over s_client/);
  });

  test("refuses a client without certificate or with a rogue one before anything is relayed", async (t) => {
    let connections = 0;
    const up = await tcpServer(t, (s) => {
      connections++;
      s.pipe(s);
    });
    const { port, lines, gw } = await startL4(t, streamConfig({ upstreamPort: up.port }));
    const none = await exchange(port, "data", {});
    assert.equal(none.answer, "");
    const rogue = await exchange(port, "data", {
      cert: pki.rogueClientCert,
      key: pki.rogueClientKey,
    });
    assert.equal(rogue.answer, "");
    assert.equal(connections, 0);
    assert.ok(
      lines.some((l) =>
        /client sent no required SSL certificate while SSL handshaking, client: 127\.0\.0\.1, server: 127\.0\.0\.1:0/.test(
          l,
        ),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) =>
        /client SSL certificate verify error: \(\d+:[^)]+\) while SSL handshaking/.test(l),
      ),
      lines.join("\n"),
    );
    const metrics = await gw.metrics.registry.metrics();
    assert.match(
      metrics,
      /mtls_gateway_handshakes_total\{result="failed",reason="no certificate"\} 1/,
    );
    assert.match(metrics, /mtls_gateway_stream_sessions_total\{result="refused"\} 2/);
  });

  test("in strict mode refuses a missing or rogue certificate with the TLS alert", async (t) => {
    let connections = 0;
    const up = await tcpServer(t, (s) => {
      connections++;
      s.pipe(s);
    });
    const { port, lines, gw } = await startL4(
      t,
      streamConfig({ upstreamPort: up.port, strict: true }),
    );
    const none = await exchange(port, "data", {}, { endAfterAnswer: true });
    assert.equal(none.answer, "");
    assert.match(String(none.error?.message), /alert certificate required|alert number 116/);
    const rogue = await exchange(
      port,
      "data",
      { cert: pki.rogueClientCert, key: pki.rogueClientKey },
      { endAfterAnswer: true },
    );
    assert.equal(rogue.answer, "");
    assert.match(String(rogue.error?.message), /unknown ca|alert number 48/);
    const good = await exchange(port, "data", undefined, { endAfterAnswer: true });
    assert.equal(good.answer, "data");
    assert.equal(connections, 1);
    assert.ok(
      lines.some((l) =>
        /client SSL certificate verify error: .* while SSL handshaking, alert: unknown_ca/.test(l),
      ),
      lines.join("\n"),
    );
    const metrics = await gw.metrics.registry.metrics();
    assert.match(
      metrics,
      /mtls_gateway_handshakes_total\{result="failed",reason="no certificate"\} 1/,
    );
  });

  test("logs a refused upstream connection and closes the client", async (t) => {
    const port0 = await freePort();
    const { port, lines } = await startL4(t, streamConfig({ upstreamPort: port0 }));
    const r = await exchange(port, "x");
    assert.equal(r.answer, "");
    assert.ok(
      lines.some((l) =>
        l.includes(
          `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: 127.0.0.1:0, upstream: "127.0.0.1:${port0}"`,
        ),
      ),
      lines.join("\n"),
    );
  });

  test("closes an idle connection after proxy_timeout", async (t) => {
    const up = await tcpServer(t, () => {});
    const { port, lines } = await startL4(
      t,
      streamConfig({ upstreamPort: up.port, idleTimeoutMs: 300 }),
    );
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      ca: readFileSync(pki.caCert),
      servername: "localhost",
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
    });
    socket.on("error", () => {});
    await new Promise((r) => socket.once("close", r));
    await waitFor(() => lines.some((l) => /timed out/.test(l)));
    assert.ok(
      lines.some((l) => /proxy_timeout\) while proxying connection/.test(l)),
      lines.join("\n"),
    );
  });
});

describe("the L4 proxy to a TLS upstream", () => {
  async function tlsUpstream(t: { after(fn: () => unknown): void }) {
    const seen: { subject?: string; authorized: boolean }[] = [];
    const server = createTlsServer(
      {
        cert: readFileSync(pki.serverCert),
        key: readFileSync(pki.serverKey),
        ca: readFileSync(pki.caCert),
        requestCert: true,
        rejectUnauthorized: true,
        allowHalfOpen: true,
      },
      (s) => {
        const cn = s.getPeerCertificate().subject?.CN;
        seen.push({ ...(typeof cn === "string" ? { subject: cn } : {}), authorized: s.authorized });
        s.pipe(s);
      },
    );
    const sockets = new Set<Socket>();
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.after(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    );
    return { port: (server.address() as AddressInfo).port, seen };
  }

  test("presents the gateway's client certificate and verifies the upstream", async (t) => {
    const up = await tlsUpstream(t);
    const { port } = await startL4(
      t,
      streamConfig({
        upstreamPort: up.port,
        protocol: "tls",
        upstreamTls: {
          certificate: { path: pki.clientCert },
          certificateKey: { path: pki.clientKey },
          trustedCertificate: { path: pki.caCert },
          name: "localhost",
        },
      }),
    );
    const r = await exchange(port, "over two TLS hops");
    assert.equal(r.answer, "over two TLS hops");
    assert.deepEqual(up.seen, [{ subject: "client-1", authorized: true }]);
  });

  test("fails with nginx's log line when the upstream's certificate does not verify", async (t) => {
    const up = await tlsUpstream(t);
    const { port, lines } = await startL4(
      t,
      streamConfig({
        upstreamPort: up.port,
        protocol: "tls",
        upstreamTls: {
          certificate: { path: pki.clientCert },
          certificateKey: { path: pki.clientKey },
          trustedCertificate: { path: pki.rogueCaCert },
        },
      }),
    );
    const r = await exchange(port, "x");
    assert.equal(r.answer, "");
    assert.ok(
      lines.some((l) =>
        /upstream SSL certificate verify error: \(\d+:[^)]+\) while SSL handshaking to upstream/.test(
          l,
        ),
      ),
      lines.join("\n"),
    );
  });
});

describe("the PROXY protocol header", () => {
  test("v2 carries the client's address, SNI and the TLS TLVs, with a valid CRC32C", async (t) => {
    const seen: Buffer[] = [];
    const up = await echoAfterEnd(t, seen);
    const { port } = await startL4(
      t,
      streamConfig({ upstreamPort: up.port, proxyProtocol: "v2", crc32c: true }),
    );
    const r = await exchange(port, "payload");
    const raw = seen[0];
    assert.ok(raw);
    assert.equal(raw.subarray(0, 12).toString("hex"), "0d0a0d0a000d0a515549540a");
    assert.equal(raw[12], 0x21);
    assert.equal(raw[13], 0x11);
    const len = raw.readUInt16BE(14);
    assert.equal(raw.subarray(16 + len).toString(), "payload");
    assert.equal(r.answer.endsWith("payload"), true);
    assert.equal([...raw.subarray(16, 20)].join("."), "127.0.0.1");
    assert.equal(raw.readUInt16BE(24), r.localPort);
    assert.equal(raw.readUInt16BE(26), port);
    const tlvs = readTlvs(raw.subarray(28, 16 + len));
    assert.equal(tlvs.get(0x02)?.toString(), "localhost");
    const ssl = tlvs.get(0x20);
    assert.ok(ssl);
    assert.equal(ssl[0], 0x07);
    assert.equal(ssl.readUInt32BE(1), 0);
    const subs = readTlvs(ssl.subarray(5));
    assert.equal(subs.get(0x21)?.toString(), "TLSv1.3");
    assert.equal(subs.get(0x22)?.toString(), "client-1");
    assert.match(subs.get(0x23)?.toString() ?? "", /^TLS_/);
    assert.equal(subs.get(0x24)?.toString(), "ecdsa-with-SHA256");
    assert.equal(subs.get(0x25)?.toString(), "EC256");
    const crc = tlvs.get(0x03);
    assert.ok(crc);
    const { crc32c } = await import("../../src/gateway/proxy-protocol/crc32c.ts");
    const header = Buffer.from(raw.subarray(0, 16 + len));
    header.fill(0, 16 + len - 4);
    assert.equal(crc.readUInt32BE(0), crc32c(header));
  });

  test("v1 over IPv6 names the client's [::1] address and port", async (t) => {
    const seen: Buffer[] = [];
    const server = createTcpServer({ allowHalfOpen: true }, (sock) => {
      const chunks: Buffer[] = [];
      sock.on("data", (c: Buffer) => chunks.push(c));
      sock.on("end", () => {
        seen.push(Buffer.concat(chunks));
        sock.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "::1", r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const upPort = (server.address() as AddressInfo).port;
    const lines: string[] = [];
    const gw = await startGateway(
      streamConfig({ upstreamPort: upPort, proxyProtocol: "v1", host: "::1" }),
      { log: (l) => lines.push(l), logLevel: "info" },
    );
    t.after(() => gw.close());
    const port = gw.streamAddresses[0]?.port ?? 0;
    const r = await new Promise<{ answer: string; localPort: number }>((resolve) => {
      const socket = tlsConnect({
        host: "::1",
        port,
        ca: readFileSync(pki.caCert),
        servername: "localhost",
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
      });
      let answer = "";
      let localPort = 0;
      socket.on("secureConnect", () => {
        localPort = socket.localPort ?? 0;
        socket.end("x");
      });
      socket.on("data", (c: Buffer) => {
        answer += c.toString();
      });
      socket.on("close", () => resolve({ answer, localPort }));
    });
    assert.equal(r.answer, "ok", lines.join("\n"));
    assert.equal(seen[0]?.toString(), `PROXY TCP6 ::1 ::1 ${r.localPort} ${port}\r\nx`);
  });

  for (const version of ["v1", "v2"] as const) {
    test(`${version}: nginx 1.22's $proxy_protocol_addr and _port are the client's`, async (t) => {
      const dir = tempDir(t);
      const ngPort = await freePort();
      const ng = await startNginx(t, {
        dir,
        ports: [ngPort],
        http: `server { listen 127.0.0.1:${ngPort} proxy_protocol; return 200 "pp=$proxy_protocol_addr:$proxy_protocol_port remote=$remote_addr\\n"; }\n`,
      });
      if (!ng) return;
      const { port } = await startL4(
        t,
        streamConfig({ upstreamPort: ngPort, proxyProtocol: version }),
      );
      const r = await exchange(port, "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
      assert.match(r.answer, /^HTTP\/1\.1 200 OK/);
      assert.match(
        r.answer,
        new RegExp(`pp=127\\.0\\.0\\.1:${r.localPort} remote=127\\.0\\.0\\.1`),
      );
    });
  }
});

function readTlvs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = 0;
  while (at + 3 <= b.length) {
    const len = b.readUInt16BE(at + 1);
    out.set(b[at] as number, b.subarray(at + 3, at + 3 + len));
    at += 3 + len;
  }
  return out;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function run(
  cmd: string,
  args: string[],
  input: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    // s_client exits on stdin EOF after the echo came back.
    child.stdin.on("error", () => {}); // EPIPE when s_client quits at a refused handshake
    child.stdin.write(input);
    const check = setInterval(() => {
      if (stdout.includes(input.trim())) {
        clearInterval(check);
        child.stdin.end();
      }
    }, 20);
    const stop = setTimeout(() => child.kill(), 15_000);
    child.on("close", () => {
      clearInterval(check);
      clearTimeout(stop);
      resolve({ stdout, stderr });
    });
  });
}

describe("the same stream server in nginx 1.22 and in mtls gateway --nginx", () => {
  const conf = (listen: number, upstream: number) => `stream {
    server {
        listen 127.0.0.1:${listen} ssl;
        ssl_certificate ${pki.serverCert};
        ssl_certificate_key ${pki.serverKey};
        ssl_client_certificate ${pki.caCert};
        ssl_verify_client on;
        proxy_pass 127.0.0.1:${upstream};
    }
}
`;

  test("gives each client the same outcome: relayed, or closed before any byte", async (t) => {
    let connections = 0;
    const up = await tcpServer(t, (s) => {
      connections++;
      s.pipe(s);
    });
    const dir = tempDir(t);
    const ngPort = await freePort();
    const ng = await startNginx(t, {
      dir,
      ports: [ngPort],
      main: `load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n${conf(ngPort, up.port)}`,
      http: "",
      errorLog: "stderr info",
    });
    if (!ng) return;
    const file = join(dir, "mtls-stream.conf");
    writeFileSync(file, conf(0, up.port));
    const loaded = loadNginxGateway(file);
    const lines: string[] = [];
    const gw = await startGateway(loaded.config, {
      material: loaded.material,
      log: (l) => lines.push(l),
      logLevel: "info",
    });
    t.after(() => gw.close());
    const mtlsPort = gw.streamAddresses[0]?.port ?? 0;
    const clients = {
      good: { cert: pki.clientCert, key: pki.clientKey },
      none: {},
      rogue: { cert: pki.rogueClientCert, key: pki.rogueClientKey },
    };
    const outcomes: Record<string, [string, string]> = {};
    for (const [name, cert] of Object.entries(clients)) {
      for (const endAfterAnswer of [true, false]) {
        const a = await exchange(ngPort, `${name}\n`, cert, { endAfterAnswer });
        const b = await exchange(mtlsPort, `${name}\n`, cert, { endAfterAnswer });
        outcomes[`${name}, ${endAfterAnswer ? "waits for the answer" : "half-closes at once"}`] = [
          a.answer,
          b.answer,
        ];
      }
    }
    assert.deepEqual(outcomes, {
      // proxy_half_close off (nginx's default): the client's FIN ends the session.
      "good, waits for the answer": ["good\n", "good\n"],
      "good, half-closes at once": ["", ""],
      "none, waits for the answer": ["", ""],
      "none, half-closes at once": ["", ""],
      "rogue, waits for the answer": ["", ""],
      "rogue, half-closes at once": ["", ""],
    });
    assert.equal(connections, 4);
    assert.match(ng.stderr, /client sent no required SSL certificate while SSL handshaking/);
    assert.ok(
      lines.some((l) => /client sent no required SSL certificate while SSL handshaking/.test(l)),
    );
  });
});

describe("mtls gateway --config with a mode: tcp listener", () => {
  test("relays, serves stream metrics, reloads the client CA on SIGHUP and drains on SIGTERM", async (t) => {
    const up = await tcpServer(t, (s) => s.pipe(s));
    const dir = tempDir(t);
    const trust = join(dir, "trust.crt");
    copyFileSync(pki.caCert, trust);
    const file = join(dir, "l4.yaml");
    writeFileSync(
      file,
      `listeners:
  - listen: ["127.0.0.1:0"]
    mode: tcp
    tls: { certificate: ${pki.serverCert}, key: ${pki.serverKey}, clientCa: trust.crt }
    tcp:
      upstream: "tcp://127.0.0.1:${up.port}"
      timeouts: { connect: 5s, idle: 1m }
`,
    );
    const gw = spawnGateway(t, ["--config", file, "--admin", "127.0.0.1:0"]);
    await gw.waitFor(/admin listening on [^\n]+\n/);
    const port = Number(
      /stream proxy listening on tls:\/\/127\.0\.0\.1:(\d+)/.exec(gw.stdout())?.[1],
    );
    const admin = /admin listening on (http:\/\/[^\n]+)/.exec(gw.stdout())?.[1];
    assert.equal((await exchange(port, "before\n")).answer, "before\n");
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /mtls_gateway_stream_bytes_total\{direction="from_client"\} 7/);
    // The rogue CA becomes the client CA: client-1 is refused, the rogue client let through.
    copyFileSync(pki.rogueCaCert, trust);
    gw.child.kill("SIGHUP");
    await gw.waitFor("mtls: reloaded");
    assert.equal((await exchange(port, "after\n")).answer, "");
    const rogue = { cert: pki.rogueClientCert, key: pki.rogueClientKey };
    assert.equal((await exchange(port, "rogue\n", rogue)).answer, "rogue\n");
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exited, 0, gw.stderr());
  });
});
