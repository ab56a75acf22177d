import assert from "node:assert/strict";
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";

function body(port: number, pki: OpensslPki): Promise<string> {
  return sClient(
    [
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      pki.caCert,
      "-cert",
      pki.clientCert,
      "-key",
      pki.clientKey,
      "-ign_eof",
      "-quiet",
    ],
    "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
  );
}

async function status(port: number, pki: OpensslPki, cert: string, key: string): Promise<string> {
  const out = await sClient(
    [
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      pki.caCert,
      "-cert",
      cert,
      "-key",
      key,
      "-ign_eof",
    ],
    "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
  );
  return /^HTTP\/1\.1 (\d+)/m.exec(out)?.[1] ?? out;
}

test("--watch reloads when the CA file is replaced, keeps running on a broken one, and applies a changed location", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  copyFileSync(pki.caCert, join(dir, "trust.crt"));
  const file = join(dir, "gateway.conf");
  const conf = (text: string) => `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate trust.crt;
    ssl_verify_client on;
    location / { return 200 "${text}"; }
}
`;
  writeFileSync(file, conf("hello"));
  const gw = spawnGateway(t, ["--nginx", file, "--watch"]);
  const { port } = await gw.addresses();
  assert.match(gw.stdout(), /mtls: watching 4 files for changes\n/);
  const good = () => status(port, pki, pki.clientCert, pki.clientKey);
  const rogue = () => status(port, pki, pki.rogueClientCert, pki.rogueClientKey);
  assert.deepEqual([await good(), await rogue()], ["200", "400"]);

  // Replaced by a rename, as editors and secret mounts do.
  writeFileSync(join(dir, "trust.new"), readFileSync(pki.rogueCaCert));
  renameSync(join(dir, "trust.new"), join(dir, "trust.crt"));
  await gw.waitFor(
    `mtls: ${join(dir, "trust.crt")} changed, reloading the configuration\nmtls: reloaded\n`,
  );
  assert.deepEqual([await good(), await rogue()], ["400", "200"]);

  writeFileSync(join(dir, "trust.crt"), "not a certificate\n");
  await gw.waitFor("reload failed, keeping the running configuration", { stderr: true });
  assert.deepEqual([await good(), await rogue()], ["400", "200"], "the running CA stays");

  writeFileSync(join(dir, "trust.crt"), readFileSync(pki.caCert));
  writeFileSync(file, conf("changed"));
  await gw.waitFor(/(mtls: reloaded\n[\s\S]*){2}/);
  assert.deepEqual([await good(), await rogue()], ["200", "400"]);
  assert.match(await body(port, pki), /\r\n\r\nchanged$/, "the new return text answers");
  assert.doesNotMatch(gw.stderr(), /warning/);
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});
