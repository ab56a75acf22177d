import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

// client_header_timeout as nginx 1.22 applies it (verified with nginx 1.22.1): no
// handshake, no request, or half a header — the connection is closed, nothing is sent.

interface Outcome {
  /** What the server sent after the handshake before closing ("" for nothing). */
  readonly received: string;
  /** Time until the server closed, ms. */
  readonly closedAfterMs: number;
}

/** Opens a TLS connection (or a bare TCP one), sends `data`, and waits for the server to close. */
function idle(port: number, o: { tls: boolean; data?: string }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    let received = "";
    const socket = o.tls
      ? tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
          if (o.data) socket.write(o.data);
        })
      : netConnect({ host: "127.0.0.1", port });
    socket.on("data", (c: Buffer) => {
      received += c.toString();
    });
    socket.on("error", (e) => (received === "" && !o.tls ? undefined : reject(e)));
    socket.on("close", () => resolve({ received, closedAfterMs: Date.now() - start }));
    // Generous: the servers close at 1 s; 20 s means they never did.
    setTimeout(() => socket.destroy(new Error("still open after 20 s")), 20_000).unref();
  });
}

test("client_header_timeout closes silent, half-sent and never-handshaken connections without an answer, like nginx", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const block = (listen: string) => `server {
 listen ${listen} ssl;
 ssl_certificate server.crt;
 ssl_certificate_key server.key;
 client_header_timeout 1s;
 location / { return 200 "ok\\n"; }
}
`;
  const ng = await startNginx(t, { dir, http: block });
  if (!ng) return;
  writeFileSync(join(dir, "gw.conf"), block("127.0.0.1:0"));
  const { config, material } = loadNginxGateway(join(dir, "gw.conf"));
  const lines: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => lines.push(l), logLevel: "info" });
  t.after(() => gw.close());
  const ports = { nginx: ng.port, gateway: gw.addresses[0]?.port ?? 0 };
  for (const [who, port] of Object.entries(ports)) {
    const cases = [
      { name: "no request", o: { tls: true } },
      { name: "half a header", o: { tls: true, data: "GET / HTTP/1.1\r\nHost: x\r\n" } },
      { name: "no handshake", o: { tls: false } },
    ];
    for (const c of cases) {
      const r = await idle(port, c.o);
      assert.equal(r.received, "", `${who}, ${c.name}: nothing is sent`);
      assert.ok(r.closedAfterMs >= 900, `${who}, ${c.name}: closed after ${r.closedAfterMs} ms`);
    }
  }
  assert.deepEqual(
    lines
      .filter((l) => l.includes("client timed out"))
      .map((l) => /while ([a-zA-Z ]+),/.exec(l)?.[1]),
    ["waiting for request", "reading client request headers", "SSL handshaking"],
  );
});

test("ssl_handshake_timeout (nginx 1.25 name) times the handshake apart from client_header_timeout", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  writeFileSync(
    join(dir, "gw.conf"),
    `server {
 listen 127.0.0.1:0 ssl;
 ssl_certificate server.crt;
 ssl_certificate_key server.key;
 ssl_handshake_timeout 500ms;
 client_header_timeout 30s;
 location / { return 200 "ok\\n"; }
}
`,
  );
  const { config, material } = loadNginxGateway(join(dir, "gw.conf"));
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const r = await idle(gw.addresses[0]?.port ?? 0, { tls: false });
  assert.equal(r.received, "");
  assert.ok(
    r.closedAfterMs >= 400 && r.closedAfterMs < 15_000,
    `closed after ${r.closedAfterMs} ms`,
  );
});
