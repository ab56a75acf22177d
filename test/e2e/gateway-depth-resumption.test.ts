import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { makeCaTree } from "../helpers/openssl-ca-tree.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** SSL_OP_NO_TICKET: resume by session ID (the gateway's cache) instead of a ticket. */
const NO_TICKET = 0x4000;

test("a client refused for ssl_verify_depth cannot resume its session into a pass", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeCaTree(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate root.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:1m;
    location / { return 200 "ok $ssl_client_verify $ssl_session_reused\\n"; }
}
`,
  );
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  /** One request as leaf2 (two intermediates, one more than the default depth 1 allows). */
  const request = (version: "TLSv1.2" | "TLSv1.3", noTicket: boolean, session?: Buffer) =>
    new Promise<{ status: string; session?: Buffer; reused: boolean }>((resolve, reject) => {
      let got: Buffer | undefined;
      let out = "";
      let reused = false;
      const s = connect({
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: readFileSync(join(dir, "root.crt")),
        cert: readFileSync(join(dir, "leaf2-chain.crt")),
        key: readFileSync(join(dir, "leaf2.key")),
        minVersion: version,
        maxVersion: version,
        ...(noTicket ? { secureOptions: NO_TICKET } : {}),
        ...(session ? { session } : {}),
      });
      s.on("session", (x: Buffer) => {
        got = x;
      });
      s.on("secureConnect", () => {
        reused = s.isSessionReused();
        s.write("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
      });
      s.on("data", (c: Buffer) => {
        out += c.toString();
      });
      s.on("error", reject);
      s.on("close", () =>
        resolve({ status: out.split("\r\n")[0] ?? "", ...(got ? { session: got } : {}), reused }),
      );
    });
  for (const [version, noTicket] of [
    ["TLSv1.2", true],
    ["TLSv1.2", false],
    ["TLSv1.3", false],
  ] as const) {
    const first = await request(version, noTicket);
    assert.equal(first.status, "HTTP/1.1 400 Bad Request");
    assert.ok(first.session, "nginx mode completes the handshake, so a session is issued");
    const again = await request(version, noTicket, first.session);
    assert.equal(again.reused, true, `${version}: resumed`);
    assert.equal(again.status, "HTTP/1.1 400 Bad Request", `${version}: still refused`);
  }
});
