import assert from "node:assert/strict";
import { constants } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect, type SecureVersion, type TLSSocket } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

interface Answer {
  readonly statusLine: string;
  readonly body: string;
  readonly reused: boolean;
  readonly session: Buffer | undefined;
}

interface GetOptions {
  readonly cert?: string;
  readonly key?: string;
  readonly session?: Buffer | undefined;
  readonly version: SecureVersion;
  /** Leave out the session_ticket extension so TLS 1.2 resumes by session ID (the server's cache). */
  readonly noTicket?: boolean;
}

/** One HTTP/1.1 request over a fresh TLS connection, optionally resuming `session`. */
function get(port: number, pki: OpensslPki, o: GetOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let data = "";
    const socket: TLSSocket = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: readFileSync(pki.caCert),
      ...(o.cert && o.key ? { cert: readFileSync(o.cert), key: readFileSync(o.key) } : {}),
      ...(o.session ? { session: o.session } : {}),
      minVersion: o.version,
      maxVersion: o.version,
      ...(o.noTicket ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
    });
    socket.on("session", (s: Buffer) => {
      session = s;
    });
    socket.once("secureConnect", () => {
      socket.write("GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    });
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => {
      data += c;
    });
    socket.on("error", reject);
    socket.on("end", () => {
      const reused = socket.isSessionReused();
      socket.destroy();
      const cut = data.indexOf("\r\n\r\n");
      resolve({
        statusLine: data.split("\r\n")[0] ?? "",
        body: data.slice(cut + 4),
        reused,
        session,
      });
    });
  });
}

async function setup(
  t: TestContext,
  cache = "shared:SSL:1m",
): Promise<{ pki: OpensslPki; port: number }> {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const upstream = createServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (_req, res) => res.end("hello from upstream\n"),
  );
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        upstream.close(() => r());
        upstream.closeAllConnections();
      }),
  );
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    ssl_session_cache ${cache};
    ssl_session_timeout 5m;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
        proxy_ssl_certificate client.crt;
        proxy_ssl_certificate_key client.key;
        proxy_ssl_trusted_certificate ca.crt;
        proxy_ssl_verify on;
        proxy_pass https://127.0.0.1:${(upstream.address() as AddressInfo).port};
    }
}
`,
  );
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  return { pki, port: gw.addresses[0]?.port ?? 0 };
}

const MODES = [
  { name: "TLS 1.2 session ID (server cache)", version: "TLSv1.2", noTicket: true },
  { name: "TLS 1.2 session ticket", version: "TLSv1.2", noTicket: false },
  { name: "TLS 1.3 PSK ticket", version: "TLSv1.3", noTicket: false },
] as const;

test("a resumed session keeps the verdict of its full handshake and never upgrades it", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const { pki, port } = await setup(t);
  for (const mode of MODES) {
    await t.test(`${mode.name}: a verified client resumes as verified`, async () => {
      const first = await get(port, pki, { ...mode, cert: pki.clientCert, key: pki.clientKey });
      assert.equal(first.statusLine, "HTTP/1.1 200 OK");
      assert.equal(first.body, "hello from upstream\n");
      assert.ok(first.session);
      const again = await get(port, pki, { ...mode, session: first.session });
      assert.equal(again.reused, true, "the session was resumed");
      assert.equal(again.statusLine, "HTTP/1.1 200 OK");
    });
    await t.test(
      `${mode.name}: a rogue client's session stays an SSL certificate error`,
      async () => {
        const first = await get(port, pki, {
          ...mode,
          cert: pki.rogueClientCert,
          key: pki.rogueClientKey,
        });
        assert.equal(first.statusLine, "HTTP/1.1 400 Bad Request");
        assert.match(first.body, /The SSL certificate error/);
        assert.ok(first.session);
        // Offering the good certificate on resumption changes nothing: no CertificateRequest is sent.
        const again = await get(port, pki, {
          ...mode,
          session: first.session,
          cert: pki.clientCert,
          key: pki.clientKey,
        });
        assert.equal(again.reused, true, "the session was resumed");
        assert.equal(again.statusLine, "HTTP/1.1 400 Bad Request");
        assert.match(again.body, /The SSL certificate error/);
      },
    );
    await t.test(`${mode.name}: a session without a certificate stays without one`, async () => {
      const first = await get(port, pki, { ...mode });
      assert.match(first.body, /No required SSL certificate was sent/);
      assert.ok(first.session);
      const again = await get(port, pki, {
        ...mode,
        session: first.session,
        cert: pki.clientCert,
        key: pki.clientKey,
      });
      assert.equal(again.reused, true, "the session was resumed");
      assert.equal(again.statusLine, "HTTP/1.1 400 Bad Request");
      assert.match(again.body, /No required SSL certificate was sent/);
    });
  }
});

test("with ssl_session_cache none a TLS 1.2 session ID is not resumed, but a ticket still is", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const { pki, port } = await setup(t, "none");
  const byId = await get(port, pki, {
    version: "TLSv1.2",
    noTicket: true,
    cert: pki.clientCert,
    key: pki.clientKey,
  });
  const idAgain = await get(port, pki, {
    version: "TLSv1.2",
    noTicket: true,
    session: byId.session,
  });
  assert.equal(idAgain.reused, false);
  assert.equal(
    idAgain.statusLine,
    "HTTP/1.1 400 Bad Request",
    "a full handshake without a certificate",
  );
  const byTicket = await get(port, pki, {
    version: "TLSv1.2",
    cert: pki.clientCert,
    key: pki.clientKey,
  });
  const ticketAgain = await get(port, pki, { version: "TLSv1.2", session: byTicket.session });
  assert.equal(ticketAgain.reused, true);
  assert.equal(ticketAgain.statusLine, "HTTP/1.1 200 OK");
});
