import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { startNginx } from "../helpers/nginx.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient, servedChain } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";

// Differential tests for the ssl_* directives of issue 5: the same server block in nginx
// 1.22 and in the gateway, the same openssl s_client, the same answer.

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** root CA → intermediate → an RSA leaf and an ECDSA leaf, with chain files leaf + intermediate. */
function makeDualPki(dir: string): void {
  const ext = (name: string, text: string) => writeFileSync(join(dir, name), text);
  ext("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  ext("leaf.ext", "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
  openssl(
    dir,
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", "root.key", "-out", "root.crt", "-subj", "/CN=Dual Root", "-days", "3"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE"]),
  );
  const issue = (name: string, newkey: string[], cn: string, issuer: string, extFile: string) => {
    openssl(
      dir,
      ["req", "-new", "-newkey", ...newkey, "-nodes", "-keyout", `${name}.key`].concat([
        "-subj",
        `/CN=${cn}`,
        "-out",
        `${name}.csr`,
      ]),
    );
    openssl(
      dir,
      ["x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey"]
        .concat([`${issuer}.key`, "-CAcreateserial", "-extfile", extFile, "-days", "3"])
        .concat(["-out", `${name}.crt`]),
    );
  };
  const ec = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  issue("int", ec, "Dual Intermediate", "root", "ca.ext");
  issue("rsa", ["rsa:2048"], "rsa-leaf", "int", "leaf.ext");
  issue("ec", ec, "ec-leaf", "int", "leaf.ext");
  const intPem = readFileSync(join(dir, "int.crt"));
  for (const n of ["rsa", "ec"]) {
    writeFileSync(
      join(dir, `${n}-chain.crt`),
      Buffer.concat([readFileSync(join(dir, `${n}.crt`)), intPem]),
    );
  }
}

/** Starts nginx and the gateway on the same server block body; returns both ports. */
async function both(
  t: TestContext,
  dir: string,
  body: string,
): Promise<{ nginx: number; gateway: number } | null> {
  const ng = await startNginx(t, {
    dir,
    http: (listen) =>
      `server {\n listen ${listen} ssl;\n${body}\n location / { return 200 "ok\\n"; }\n}\n`,
  });
  if (!ng) return null;
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {\n listen 127.0.0.1:0 ssl;\n${body}\n location / { return 200 "ok\\n"; }\n}\n`,
  );
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  return { nginx: ng.port, gateway: gw.addresses[0]?.port ?? 0 };
}

test("an RSA and an ECDSA ssl_certificate in one block: the client's algorithms pick the chain, as in nginx", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeDualPki(dir);
  const ports = await both(
    t,
    dir,
    ` ssl_certificate rsa-chain.crt;
 ssl_certificate ec-chain.crt;
 ssl_certificate_key rsa.key;
 ssl_certificate_key ec.key;
 ssl_protocols TLSv1.2 TLSv1.3;`,
  );
  if (!ports) return;
  const cases = [
    { args: ["-tls1_3", "-sigalgs", "RSA-PSS+SHA256"], leaf: "CN = rsa-leaf" },
    { args: ["-tls1_3", "-sigalgs", "ECDSA+SHA256"], leaf: "CN = ec-leaf" },
    { args: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], leaf: "CN = rsa-leaf" },
    { args: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], leaf: "CN = ec-leaf" },
  ];
  for (const c of cases) {
    for (const [who, port] of Object.entries(ports)) {
      const out = await sClient(["-connect", `127.0.0.1:${port}`, "-showcerts", ...c.args]);
      assert.deepEqual(
        servedChain(out),
        [c.leaf, "CN = Dual Intermediate"],
        `${who} with ${c.args.join(" ")}:\n${out}`,
      );
    }
  }
});

test("ssl_password_file: the key decrypts with the second line, in nginx and the gateway; no fitting line fails both", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const nginxPath = requirePeer(t, "nginx");
  if (!nginxPath) return;
  const dir = tempDir(t);
  makeDualPki(dir);
  openssl(
    dir,
    ["pkcs8", "-topk8", "-in", "ec.key", "-v2", "aes-256-cbc"].concat([
      "-passout",
      "pass:s3cret",
      "-out",
      "ec-enc.key",
    ]),
  );
  writeFileSync(join(dir, "keys.pass"), "old-one\r\n\ns3cret\n");
  writeFileSync(join(dir, "wrong.pass"), "old-one\nother\n");
  const body = (pass: string) => ` ssl_certificate ec-chain.crt;
 ssl_certificate_key ec-enc.key;
 ssl_password_file ${pass};`;
  const ports = await both(t, dir, body("keys.pass"));
  if (!ports) return;
  for (const [who, port] of Object.entries(ports)) {
    const out = await sClient(["-connect", `127.0.0.1:${port}`, "-showcerts"]);
    assert.deepEqual(servedChain(out), ["CN = ec-leaf", "CN = Dual Intermediate"], who);
  }
  const conf = join(dir, "wrong.conf");
  writeFileSync(
    conf,
    `events {}\nhttp {\nserver {\n listen 127.0.0.1:1 ssl;\n${body("wrong.pass")}\n}\n}\n`,
  );
  const nginxTest = (() => {
    try {
      execFileSync(nginxPath, ["-t", "-p", dir, "-c", conf, "-g", "error_log stderr;"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      return "passed";
    } catch (e) {
      return String((e as { stderr?: Buffer }).stderr);
    }
  })();
  assert.match(
    nginxTest,
    /cannot load certificate key .*ec-enc\.key.*PEM_read_bio_PrivateKey\(\) failed/,
  );
  assert.throws(
    () => loadNginxGateway(conf),
    (e: Error & { diagnostics?: { message: string; location?: { line: number } }[] }) => {
      assert.deepEqual(
        e.diagnostics
          ?.filter((d) => d.message.startsWith("Cannot"))
          .map((d) => `${d.location?.line} ${d.message}`),
        [
          `6 Cannot load ssl_certificate_key ${join(dir, "ec-enc.key")}: the key is encrypted and none of the 2 passphrases in ${join(dir, "wrong.pass")} decrypts it`,
        ],
      );
      return true;
    },
  );
});

test("ssl_conf_command Ciphersuites and ssl_ecdh_curve: the same suite and group as nginx, the same refusals", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeDualPki(dir);
  const ports = await both(
    t,
    dir,
    ` ssl_certificate ec-chain.crt;
 ssl_certificate_key ec.key;
 ssl_protocols TLSv1.2 TLSv1.3;
 ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;
 ssl_ecdh_curve secp384r1;`,
  );
  if (!ports) return;
  for (const [who, port] of Object.entries(ports)) {
    const ok = await sClient(["-connect", `127.0.0.1:${port}`, "-tls1_3"]);
    assert.match(ok, /Cipher is TLS_CHACHA20_POLY1305_SHA256/, `${who}:\n${ok}`);
    assert.match(ok, /Server Temp Key: ECDH, secp384r1/, `${who}:\n${ok}`);
    const tls12 = await sClient(["-connect", `127.0.0.1:${port}`, "-tls1_2"]);
    assert.match(tls12, /Server Temp Key: ECDH, secp384r1/, `${who}:\n${tls12}`);
    const suite = await sClient([
      "-connect",
      `127.0.0.1:${port}`,
      "-tls1_3",
      "-ciphersuites",
      "TLS_AES_128_GCM_SHA256",
    ]);
    assert.match(suite, /handshake failure|no shared cipher/, `${who}:\n${suite}`);
    const group = await sClient(["-connect", `127.0.0.1:${port}`, "-tls1_3", "-groups", "X25519"]);
    assert.match(group, /handshake failure/, `${who}:\n${group}`);
  }
});
