import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect, type TLSSocket } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "../helpers/net.ts";
import { makeCaTree } from "../helpers/openssl-ca-tree.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** `openssl s_client` output (stdout + stderr) for one connection that sends one request. */
function sClient(dir: string, port: number, version: string, who: readonly string[]) {
  return new Promise<string>((resolve) => {
    const p = spawn(
      "openssl",
      ["s_client", "-connect", `127.0.0.1:${port}`, `-${version}`, "-CAfile", "root.crt"].concat([
        "-servername",
        "localhost",
        "-ign_eof",
        ...who,
      ]),
      { cwd: dir },
    );
    let out = "";
    p.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    p.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => p.kill(), 10_000);
    p.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    p.stdin.on("error", () => {}); // EPIPE when s_client quits at a refused handshake
    p.stdin.end("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
  });
}

/** curl's exit code, body and error text. */
function curl(dir: string, port: number, version: "1.2" | "1.3", who: readonly string[]) {
  const pin = version === "1.2" ? ["--tls-max", "1.2"] : ["--tlsv1.3"];
  return new Promise<{ code: number; body: string; stderr: string }>((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "10", "--cacert", "root.crt", ...pin, ...who].concat([
        `https://localhost:${port}/`,
      ]),
      { cwd: dir, encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, body: stdout, stderr }),
    );
  });
}

const cert = (name: string, file = `${name}.crt`) => ["-cert", file, "-key", `${name}.key`];
const curlCert = (name: string, file = `${name}.crt`) => ["--cert", file, "--key", `${name}.key`];

test("strict mode refuses a missing or bad client certificate in the handshake with OpenSSL's alert", async (t) => {
  if (!requirePeer(t, "openssl") || !requirePeer(t, "curl")) return;
  const dir = tempDir(t);
  makeCaTree(dir);
  const block = (crl: boolean, port: number) => `server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate root.crt;
    ssl_verify_client on;
    ${crl ? "ssl_crl root.crl;" : "# default ssl_verify_depth 1"}
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:1m;
    mtls_reject_in_handshake on;
    location / { return 200 "ok $ssl_client_s_dn $ssl_session_reused\\n"; }
}
`;
  const file = join(dir, "gateway.conf");
  writeFileSync(file, `${block(true, await freePort())}${block(false, await freePort())}`);
  const { config, material } = loadNginxGateway(file);
  const lines: string[] = [];
  const gw = await startGateway(config, {
    material,
    log: (l) => lines.push(l),
    logLevel: "info",
  });
  t.after(() => gw.close());
  const withCrl = gw.addresses[0]?.port ?? 0;
  const depthOne = gw.addresses[1]?.port ?? 0;

  // [client, port, s_client/curl arguments, TLS 1.3 alert, TLS 1.2 alert]
  const cases: [string, number, string, string][] = [
    ["none", withCrl, "certificate required", "handshake failure"],
    ["stranger", depthOne, "unknown ca", "unknown ca"],
    ["expired", withCrl, "certificate expired", "certificate expired"],
    ["revoked", withCrl, "certificate revoked", "certificate revoked"],
    ["noeku", withCrl, "unsupported certificate", "unsupported certificate"],
    ["leaf2", depthOne, "unknown ca", "unknown ca"],
  ];
  const whoOf = (name: string, curlStyle: boolean) => {
    if (name === "none") return [];
    if (name !== "leaf2") return curlStyle ? curlCert(name) : cert(name);
    // The client sends leaf2, int2 and int1: a chain OpenSSL accepts, one intermediate
    // more than ssl_verify_depth 1 allows (the gateway's own check).
    return curlStyle
      ? curlCert(name, "leaf2-chain.crt")
      : [...cert(name), "-cert_chain", "leaf2-chain.crt"];
  };
  for (const [name, port, alert13, alert12] of cases) {
    for (const [version, alert] of [
      ["1.3", alert13],
      ["1.2", alert12],
    ] as const) {
      await t.test(
        `TLS ${version}, client ${name}: s_client and curl see "alert ${alert}"`,
        async () => {
          const s = await sClient(
            dir,
            port,
            version === "1.3" ? "tls1_3" : "tls1_2",
            whoOf(name, false),
          );
          assert.match(s, new RegExp(`alert ${alert}`), s);
          assert.doesNotMatch(s, /HTTP\/1\.1 200/);
          const c = await curl(dir, port, version, whoOf(name, true));
          assert.notEqual(c.code, 0);
          // curl reports a received certificate_expired alert as its own exit 60 (in
          // ossl_connect_step2, with SSL_R_CERTIFICATE_VERIFY_FAILED) when it arrives
          // during the handshake, i.e. with TLS 1.2.
          const curlText =
            version === "1.2" && name === "expired"
              ? "SSL certificate verification failed"
              : `alert ${alert}`;
          assert.match(c.stderr, new RegExp(curlText), c.stderr);
          assert.equal(c.body, "");
        },
      );
    }
  }

  await t.test("a valid client gets its response over TLS 1.2 and 1.3", async () => {
    for (const v of ["1.2", "1.3"] as const) {
      const c = await curl(dir, withCrl, v, curlCert("valid"));
      assert.equal(c.body, "ok CN=valid .\n", c.stderr);
    }
    const s = await sClient(dir, depthOne, "tls1_3", cert("valid"));
    assert.match(s, /ok CN=valid \./);
  });

  await t.test(
    "the error log says why and the metrics count each failure with its reason",
    async () => {
      const metrics = await gw.metrics.registry.metrics();
      const failed = (reason: string) =>
        Number(
          new RegExp(
            `mtls_gateway_handshakes_total\\{result="failed",reason="${reason}"\\} (\\d+)`,
          ).exec(metrics)?.[1] ?? 0,
        );
      // Each case ran twice per version (s_client and curl).
      assert.equal(failed("no certificate"), 4);
      assert.equal(failed("self-signed certificate"), 4);
      assert.equal(failed("certificate has expired"), 4);
      assert.equal(failed("certificate revoked"), 4);
      assert.equal(failed("unsupported certificate purpose"), 4);
      assert.equal(failed("unable to get local issuer certificate"), 4);
      assert.equal(failed("unable to verify the first certificate"), 0, "s_client sent the chain");
      assert.doesNotMatch(metrics, /reason="socket hang up"/);
      const has = (text: string) => lines.some((l) => l.includes(text));
      assert.ok(
        has(
          "client sent no required SSL certificate while SSL handshaking, alert: certificate_required, client: 127.0.0.1",
        ),
        lines.join("\n"),
      );
      assert.ok(
        has(
          "client sent no required SSL certificate while SSL handshaking, alert: handshake_failure",
        ),
      );
      assert.ok(
        has(
          "client SSL certificate verify error: (10:certificate has expired) while SSL handshaking, alert: certificate_expired, client: 127.0.0.1, server: 127.0.0.1:",
        ),
      );
      assert.ok(has("(23:certificate revoked) while SSL handshaking, alert: certificate_revoked"));
      assert.ok(
        has(
          "(26:unsupported certificate purpose) while SSL handshaking, alert: unsupported_certificate",
        ),
      );
      assert.ok(
        has("(20:unable to get local issuer certificate) while SSL handshaking, alert: unknown_ca"),
      );
      assert.equal(lines.filter((l) => l.includes("socket hang up")).length, 0);
    },
  );

  const tlsRequest = (version: "TLSv1.2" | "TLSv1.3", who: string, session?: Buffer) =>
    new Promise<{ body: string; session?: Buffer; error?: string; reused: boolean }>((resolve) => {
      let got: Buffer | undefined;
      let body = "";
      const socket: TLSSocket = connect({
        host: "127.0.0.1",
        port: withCrl,
        servername: "localhost",
        ca: readFileSync(join(dir, "root.crt")),
        cert: readFileSync(join(dir, `${who}.crt`)),
        key: readFileSync(join(dir, `${who}.key`)),
        minVersion: version,
        maxVersion: version,
        ...(session ? { session } : {}),
      });
      socket.on("session", (s: Buffer) => {
        got = s;
      });
      let reused = false;
      socket.on("secureConnect", () => {
        // Read here: Node 20 crashes (SIGSEGV) in isSessionReused() on a client socket
        // that was closed by an alert.
        reused = socket.isSessionReused();
        socket.write("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
      });
      socket.on("data", (c: Buffer) => {
        body += c.toString();
      });
      socket.on("error", (e) => resolve({ body, error: e.message, reused: false }));
      socket.on("close", () => resolve({ body, ...(got ? { session: got } : {}), reused }));
    });

  await t.test(
    "a refused client never receives a session to resume, a verified one resumes",
    async () => {
      for (const v of ["TLSv1.2", "TLSv1.3"] as const) {
        const refused = await tlsRequest(v, "expired");
        assert.match(refused.error ?? "", /alert certificate expired/);
        assert.equal(refused.session, undefined, `${v}: no session for a refused client`);
        const first = await tlsRequest(v, "valid");
        assert.ok(first.session, `${v}: a verified client gets a session`);
        const again = await tlsRequest(v, "valid", first.session);
        assert.equal(again.reused, true, `${v}: the session resumed`);
        assert.match(again.body, /ok CN=valid r/);
      }
    },
  );
});

/** `openssl ocsp` answering from the CA tree's `openssl ca` database, signed by the root. */
async function startOcspResponder(t: TestContext, dir: string): Promise<number> {
  const port = await freePort();
  const child = spawn(
    "openssl",
    ["ocsp", "-index", "index.txt", "-CA", "root.crt", "-rsigner", "root.crt", "-rkey"].concat([
      "root.key",
      "-port",
      String(port),
      "-nmin",
      "10",
    ]),
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  });
  // openssl 3.0's responder hangs on a connection closed without a request: wait for its banner.
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`openssl ocsp did not start:\n${log}`)),
      10_000,
    );
    const onData = (c: Buffer) => {
      log += c.toString();
      if (log.includes("waiting for OCSP client connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  return port;
}

test("strict mode waits for OCSP (ssl_ocsp) and refuses a revoked client with certificate_revoked", async (t) => {
  if (!requirePeer(t, "openssl") || !requirePeer(t, "curl")) return;
  const dir = tempDir(t);
  makeCaTree(dir);
  const responder = await startOcspResponder(t, dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:${await freePort()} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate root.crt;
    ssl_verify_client on;
    ssl_ocsp on;
    ssl_ocsp_responder http://127.0.0.1:${responder};
    ssl_protocols TLSv1.2 TLSv1.3;
    mtls_reject_in_handshake on;
    location / { return 200 "ok $ssl_client_verify\\n"; }
}
`,
  );
  const { config, material } = loadNginxGateway(file);
  const lines: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => lines.push(l), logLevel: "info" });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  for (const v of ["1.3", "1.2"] as const) {
    const good = await curl(dir, port, v, curlCert("valid"));
    assert.equal(good.body, "ok SUCCESS\n", good.stderr);
    const revoked = await curl(dir, port, v, curlCert("revoked"));
    assert.match(revoked.stderr, /alert certificate revoked/, `TLS ${v}: ${lines.join("\n")}`);
    assert.equal(revoked.body, "");
  }
  assert.equal(
    lines.filter((l) =>
      l.includes("(certificate revoked) while SSL handshaking, alert: certificate_revoked"),
    ).length,
    2,
    lines.join("\n"),
  );
  assert.equal(
    lines.filter((l) => l.includes("while reading client request headers")).length,
    0,
    "a refused connection's request (TLS 1.3 sends it early) is not answered",
  );
});
