import assert from "node:assert/strict";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/** Starts nginx with the seed's server block (TLS 1.2, ssl_verify_client on) answering JSON. */
async function seedNginx(t: TestContext, pki: OpensslPki, dir: string): Promise<string | null> {
  const ng = await startNginx(t, {
    dir,
    main: "master_process off;\n",
    errorLog: `${join(dir, "error.log")} warn`,
    tempPathsInDir: true,
    http: (listen) => `  server {
    listen ${listen} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    location / {
      default_type application/json;
      return 200 '{"client":"$ssl_client_s_dn","verify":"$ssl_client_verify"}';
    }
  }
`,
  });
  return ng ? `https://127.0.0.1:${ng.port}/test_url` : null;
}

test("mtls request runs the seed's test against nginx with ssl_verify_client on", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const url = await seedNginx(t, pki, dir);
  if (!url) return;
  const ok = await mtls(
    [
      "request",
      url,
      "--cacert",
      pki.caCert,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
    ].concat(["-H", "content-type: application/json", "-H", "accept: application/json", "--trace"]),
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /\{"client":"CN=client-1","verify":"SUCCESS"\}$/);
  assert.match(ok.stdout, /cipher_suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
  assert.match(ok.stdout, /← CertificateRequest/);

  const rejected = await mtls(["request", url, "--cacert", pki.caCert]);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stdout, /No required SSL certificate was sent/);
  assert.equal(rejected.stderr, `mtls: HTTP 400 Bad Request from ${url}\n`);
});
