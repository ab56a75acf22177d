import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startHeadersEcho } from "../helpers/upstream.ts";

/** The variables compared between nginx and the gateway, one request header each. */
const VARIABLES = [
  "ssl_client_verify",
  "ssl_client_s_dn",
  "ssl_client_i_dn",
  "ssl_client_s_dn_legacy",
  "ssl_client_i_dn_legacy",
  "ssl_client_serial",
  "ssl_client_fingerprint",
  "ssl_client_escaped_cert",
  "ssl_client_v_start",
  "ssl_client_v_end",
  "ssl_client_v_remain",
  "ssl_protocol",
  "ssl_cipher",
  "ssl_session_reused",
  "ssl_server_name",
  "remote_addr",
  "host",
  "request_uri",
  "args",
  "arg_id",
  "http_user_agent",
  "request_method",
  "scheme",
] as const;

const header = (v: string) => `x-v-${v.replaceAll("_", "-")}`;

/** Starts the gateway from the same server block. */
async function startOurs(
  t: TestContext,
  dir: string,
  server: (listen: string) => string,
): Promise<number> {
  const file = join(dir, "gateway.conf");
  writeFileSync(file, server("127.0.0.1:0"));
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  return gw.addresses[0]?.port ?? 0;
}

/** curl's JSON answer (the headers the upstream saw). */
function curlJson(args: readonly string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "--max-time", "10", ...args], (err, stdout, stderr) => {
      if (err) reject(new Error(`curl failed: ${stderr}`));
      else {
        try {
          resolve(JSON.parse(stdout) as Record<string, string>);
        } catch {
          reject(new Error(`not JSON: ${stdout}`));
        }
      }
    });
  });
}

/** A client certificate with a richer subject and a serial with the high bit set. */
function makeAliceCert(pki: OpensslPki): { cert: string; key: string } {
  const run = (args: string[]) =>
    execFileSync("openssl", args, { cwd: pki.dir, stdio: ["ignore", "ignore", "pipe"] });
  run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "alice.key"]);
  run([
    "req",
    "-new",
    "-utf8",
    "-key",
    "alice.key",
    "-subj",
    "/C=DE/O=Corpus Test PKI/OU=payments/CN=alice.example.test/emailAddress=alice@example.test",
    "-out",
    "alice.csr",
  ]);
  writeFileSync(
    join(pki.dir, "alice.ext"),
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:alice.example.test,URI:spiffe://example.test/alice\n",
  );
  run(
    ["x509", "-req", "-in", "alice.csr", "-CA", "ca.crt", "-CAkey", "ca.key"].concat([
      "-set_serial",
      "0x8a0b0c0d0e0f",
      "-days",
      "20",
      "-extfile",
      "alice.ext",
      "-out",
      "alice.crt",
    ]),
  );
  return { cert: join(pki.dir, "alice.crt"), key: join(pki.dir, "alice.key") };
}

function serverBlock(echoPort: number, verify: string, extra = ""): (listen: string) => string {
  return (listen) => `server {
    listen ${listen} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client ${verify};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
${VARIABLES.map((v) => `        proxy_set_header ${header(v)} $${v};`).join("\n")}
        proxy_set_header X-Spoofed-Override "$ssl_client_verify";
${extra}        proxy_pass http://127.0.0.1:${echoPort};
    }
}
`;
}

test("the upstream receives the same $ssl_client_* values from the gateway as from nginx 1.22", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const alice = makeAliceCert(pki);
  const echo = await startHeadersEcho(t);
  const block = serverBlock(echo, "optional");
  const ng = await startNginx(t, { dir, http: block });
  if (!ng) return;
  const theirs = ng.port;
  const ours = await startOurs(t, dir, block);
  const clients = {
    alice: ["--cert", alice.cert, "--key", alice.key],
    client1: ["--cert", pki.clientCert, "--key", pki.clientKey],
    none: [],
  } as const;
  for (const [who, certArgs] of Object.entries(clients)) {
    for (const tls of ["--tlsv1.2 --tls-max 1.2", "--tlsv1.3"]) {
      const args = (port: number) => [
        "--cacert",
        pki.caCert,
        ...certArgs,
        ...tls.split(" "),
        "-A",
        "curl/variables",
        "-H",
        "X-Spoofed-Override: SUCCESS",
        `https://localhost:${port}/path/x?id=42&b=c`,
      ];
      const a = await curlJson(args(ours));
      const b = await curlJson(args(theirs));
      const pick = (h: Record<string, string>) =>
        Object.fromEntries([...VARIABLES.map(header), "x-spoofed-override"].map((n) => [n, h[n]]));
      // The certificates end exactly N days after they were made, so v_remain flips when
      // a second boundary falls between the two requests: allow that one-day step.
      const remain = header("ssl_client_v_remain");
      const [ra, rb] = [Number(a[remain] ?? 0), Number(b[remain] ?? 0)];
      assert.ok(Math.abs(ra - rb) <= 1, `${who} ${tls}: v_remain ${ra} vs ${rb}`);
      if (a[remain] !== undefined) a[remain] = b[remain] ?? "";
      assert.deepEqual(pick(a), pick(b), `${who} ${tls}`);
      if (who === "alice") {
        assert.equal(
          a[header("ssl_client_s_dn")],
          "emailAddress=alice@example.test,CN=alice.example.test,OU=payments,O=Corpus Test PKI,C=DE",
        );
        assert.equal(a[header("ssl_client_serial")], "8A0B0C0D0E0F");
        assert.equal(a[header("ssl_client_verify")], "SUCCESS");
      }
      if (who === "none") {
        assert.equal(a[header("ssl_client_verify")], "NONE");
        // An empty value sends no header at all, in both.
        assert.equal(a[header("ssl_client_s_dn")], undefined);
      }
    }
  }
  // The fingerprint is the SHA-1 of the DER, as `openssl x509 -fingerprint -sha1` prints it.
  const a = await curlJson([
    "--cacert",
    pki.caCert,
    ...clients.alice,
    `https://localhost:${ours}/`,
  ]);
  const fp = execFileSync(
    "openssl",
    ["x509", "-in", alice.cert, "-noout", "-fingerprint", "-sha1"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(
    a[header("ssl_client_fingerprint")],
    fp.split("=")[1]?.trim().replaceAll(":", "").toLowerCase(),
  );
  assert.equal(
    decodeURIComponent(a[header("ssl_client_escaped_cert")] ?? ""),
    readFileSync(alice.cert, "utf8"),
  );
});

test("spoofed identity headers never reach the upstream, whatever the preset", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const alice = makeAliceCert(pki);
  const echo = await startHeadersEcho(t);
  const spoofed = [
    "X-SSL-Client-Verify: SUCCESS",
    "X-SSL-Client-S-DN: CN=admin",
    'x-forwarded-client-cert: Hash=00;Subject="CN=admin"',
    "X-Client-Cert: forged",
    "SSL-Client-Subject: CN=admin",
  ];
  for (const preset of ["off", "nginx", "xfcc"] as const) {
    const sub = join(dir, preset);
    execFileSync("mkdir", ["-p", sub]);
    for (const f of ["server.crt", "server.key", "ca.crt"]) {
      writeFileSync(join(sub, f), readFileSync(join(dir, f)));
    }
    const port = await startOurs(
      t,
      sub,
      serverBlock(echo, "optional", `        mtls_identity_headers ${preset};\n`),
    );
    for (const certArgs of [["--cert", alice.cert, "--key", alice.key], []]) {
      const h = await curlJson([
        "--cacert",
        pki.caCert,
        ...certArgs,
        ...spoofed.flatMap((s) => ["-H", s]),
        `https://localhost:${port}/`,
      ]);
      const withCert = certArgs.length > 0;
      const verify = h["x-ssl-client-verify"];
      const sdn = h["x-ssl-client-s-dn"];
      const xfcc = h["x-forwarded-client-cert"];
      assert.equal(h["x-client-cert"], undefined, preset);
      assert.equal(h["ssl-client-subject"], undefined, preset);
      if (preset === "nginx") {
        assert.equal(verify, withCert ? "SUCCESS" : "NONE");
        assert.equal(
          sdn,
          withCert
            ? "emailAddress=alice@example.test,CN=alice.example.test,OU=payments,O=Corpus Test PKI,C=DE"
            : undefined,
        );
      } else {
        assert.equal(verify, undefined, preset);
        assert.equal(sdn, undefined, preset);
      }
      if (preset === "xfcc" && withCert) {
        assert.match(xfcc ?? "", /^Hash=[0-9a-f]{64};Cert="-----BEGIN%20CERTIFICATE-----%0A/);
        assert.match(
          xfcc ?? "",
          /;Subject="emailAddress=alice@example\.test,CN=alice\.example\.test,OU=payments,O=Corpus Test PKI,C=DE";URI=spiffe:\/\/example\.test\/alice;DNS=alice\.example\.test$/,
        );
      } else {
        assert.equal(xfcc, undefined, preset);
      }
    }
  }
});

test("access_log lines with $ssl_* variables match nginx 1.22's, byte for byte", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const alice = makeAliceCert(pki);
  const echo = await startHeadersEcho(t);
  const format = `log_format mtls '$remote_addr "$request" $status $body_bytes_sent $ssl_protocol $ssl_cipher "$ssl_client_s_dn" $ssl_client_verify $ssl_client_serial $ssl_session_reused $ssl_server_name "$http_user_agent" "$http_x_odd"';`;
  const block = (file: string) => (listen: string) =>
    `${format}
server {
    listen ${listen} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client optional;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log ${file} mtls;
    location = /hello { return 200 "hello\\n"; }
    location / { proxy_pass http://127.0.0.1:${echo}; }
}
`;
  const ng = await startNginx(t, { dir, http: block("nginx-access.log") });
  if (!ng) return;
  const theirs = ng.port;
  const ours = await startOurs(t, dir, block("ours-access.log"));
  for (const [certArgs, path, odd] of [
    [["--cert", alice.cert, "--key", alice.key], "/hello", 'quote " back\\slash'],
    [[], "/hello?x=1", "é"],
    [["--cert", alice.cert, "--key", alice.key], "/proxied", "-"],
  ] as const) {
    for (const port of [ours, theirs]) {
      await curlJson([
        "--cacert",
        pki.caCert,
        ...certArgs,
        "-A",
        "curl/log",
        "-H",
        `X-Odd: ${odd}`,
        "-o",
        "/dev/null",
        "-w",
        "{}",
        `https://localhost:${port}${path}`,
      ]);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  const read = (f: string) => readFileSync(join(dir, f), "utf8").trimEnd().split("\n");
  const a = read("ours-access.log");
  const b = read("nginx-access.log");
  assert.equal(a.length, 3);
  // The proxied response's size depends on the upstream's echo of its own request.
  assert.deepEqual(a.slice(0, 2), b.slice(0, 2));
  assert.match(
    a[0] ?? "",
    / "emailAddress=alice@example\.test,CN=alice\.example\.test,OU=payments,O=Corpus Test PKI,C=DE" SUCCESS 8A0B0C0D0E0F \. localhost "curl\/log" "quote \\x22 back\\x5Cslash"$/,
  );
  assert.match(a[1] ?? "", / "-" NONE - \. localhost "curl\/log" "\\xC3\\xA9"$/);
  assert.match(a[2] ?? "", /^127\.0\.0\.1 "GET \/proxied HTTP\/1\.1" 200 \d+ /);
});
