import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";

// ssl_session_tickets / ssl_session_ticket_key: tickets resume across gateway instances
// that share the key file and trust the same CAs, never across different trust, and a
// ticket under a key the gateway cannot decrypt gets a full handshake.

const BLOCK = (keys: readonly string[], extra = "") => `server {
 listen 127.0.0.1:0 ssl;
 server_name localhost;
 ssl_certificate server.crt;
 ssl_certificate_key server.key;
 ssl_client_certificate ca.crt;
 ssl_verify_client on;
 ssl_protocols TLSv1.2 TLSv1.3;
${keys.map((k) => ` ssl_session_ticket_key ${k};`).join("\n")}
${extra}
 location / { return 200 "verified $ssl_client_s_dn\\n"; }
}
`;

/** Starts a gateway from `text` written to `dir/name`; returns its port. */
async function gateway(t: TestContext, dir: string, name: string, text: string): Promise<number> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  return gw.addresses[0]?.port ?? 0;
}

interface Hello {
  readonly reused: boolean;
  readonly status: string;
}

/** One HTTP/1.0 request with s_client, saving or offering a session file. */
async function hello(
  port: number,
  pki: OpensslPki,
  o: { version: "-tls1_2" | "-tls1_3"; out?: string; in?: string; cert?: boolean },
): Promise<Hello> {
  const out = await sClient(
    [
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      o.version,
      ...(o.cert === false ? [] : ["-cert", pki.clientCert, "-key", pki.clientKey]),
      ...(o.out ? ["-sess_out", o.out] : []),
      ...(o.in ? ["-sess_in", o.in] : []),
    ],
    "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n",
  );
  const status = /HTTP\/1\.[01] (\d{3})/.exec(out)?.[1] ?? `no answer:\n${out}`;
  return { reused: /^Reused, /m.test(out), status };
}

test("instances sharing ssl_session_ticket_key and trust resume each other's tickets; other trust under the same file names does not", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  writeFileSync(join(dir, "t80.key"), randomBytes(80));
  writeFileSync(join(dir, "t48.key"), randomBytes(48));
  for (const key of ["t80.key", "t48.key"]) {
    const a = await gateway(t, dir, `a-${key}.conf`, BLOCK([key]));
    const b = await gateway(t, dir, `b-${key}.conf`, BLOCK([key]));
    // The same configuration text and file names, but ca.crt now holds another CA.
    copyFileSync(pki.caCert, join(dir, "ca.saved"));
    copyFileSync(pki.rogueCaCert, pki.caCert);
    const c = await gateway(t, dir, `c-${key}.conf`, BLOCK([key]));
    copyFileSync(join(dir, "ca.saved"), pki.caCert);
    for (const version of ["-tls1_2", "-tls1_3"] as const) {
      const sess = join(dir, `${key}${version}.sess`);
      const first = await hello(a, pki, { version, out: sess });
      assert.deepEqual(first, { reused: false, status: "200" }, `${key} ${version} first`);
      const onB = await hello(b, pki, { version, in: sess, cert: false });
      assert.deepEqual(onB, { reused: true, status: "200" }, `${key} ${version} on b`);
      const onC = await hello(c, pki, { version, in: sess, cert: false });
      assert.deepEqual(onC, { reused: false, status: "400" }, `${key} ${version} on c`);
    }
  }
});

test("a ticket made under a second ssl_session_ticket_key gets a full handshake, never a bypass", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  writeFileSync(join(dir, "new.key"), randomBytes(80));
  writeFileSync(join(dir, "old.key"), randomBytes(80));
  const old = await gateway(t, dir, "old.conf", BLOCK(["old.key"]));
  const rotated = await gateway(t, dir, "rotated.conf", BLOCK(["new.key", "old.key"]));
  for (const version of ["-tls1_2", "-tls1_3"] as const) {
    const sess = join(dir, `old${version}.sess`);
    assert.equal((await hello(old, pki, { version, out: sess })).status, "200");
    // nginx would decrypt it with its second key; Node keeps one key: a full handshake,
    // and without a client certificate that is nginx's "No required SSL certificate" 400.
    assert.deepEqual(await hello(rotated, pki, { version, in: sess, cert: false }), {
      reused: false,
      status: "400",
    });
  }
});

test("ssl_session_tickets off: no ticket in TLS 1.2, as in nginx", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const block = (listen: string) =>
    BLOCK([], " ssl_session_tickets off;")
      .replace("127.0.0.1:0", listen)
      .replace(/^server/, "server");
  const ng = await startNginx(t, { dir, http: (listen) => block(listen) });
  if (!ng) return;
  const gw = await gateway(t, dir, "off.conf", block("127.0.0.1:0"));
  for (const port of [ng.port, gw]) {
    const out = await sClient(
      ["-connect", `127.0.0.1:${port}`, "-tls1_2", "-cert", pki.clientCert, "-key", pki.clientKey],
      "GET / HTTP/1.0\r\n\r\n",
    );
    assert.match(out, /^HTTP\/1\.1 200/m, out);
    assert.doesNotMatch(out, /TLS session ticket lifetime hint/, `port ${port}:\n${out}`);
  }
  const on = await gateway(t, dir, "on.conf", BLOCK([]));
  const out = await sClient(
    ["-connect", `127.0.0.1:${on}`, "-tls1_2", "-cert", pki.clientCert, "-key", pki.clientKey],
    "GET / HTTP/1.0\r\n\r\n",
  );
  assert.match(out, /TLS session ticket lifetime hint/);
});
