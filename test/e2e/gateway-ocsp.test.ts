import assert from "node:assert/strict";
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import type { Registry } from "prom-client";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "../helpers/net.ts";
import { issueWithOpenssl, selfSignWithOpenssl } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { startSideBySide } from "../helpers/side-by-side.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startHeadersEcho } from "../helpers/upstream.ts";

// OCSP checking of client certificates against a real responder (`openssl ocsp`), the
// same server blocks in nginx 1.22 and in the gateway where nginx has the feature, and
// the mtlskit-only scenarios (soft-fail, cache) on the gateway alone.

function openssl(dir: string, args: readonly string[]): string {
  return execFileSync("openssl", args, {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const LEAF = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";

/** CA, server, clients good/revoked/unknown, an AIA client, a delegated OCSP signer and a rogue signer. */
function makePki(dir: string, aiaUrl: string): void {
  const selfSigned = (name: string, cn: string, ca: boolean) =>
    selfSignWithOpenssl(dir, name, { subject: `/CN=${cn}`, ca });
  const leaf = (name: string, ext: string) =>
    issueWithOpenssl(dir, name, { issuer: "ca", subject: `/CN=${name}`, ext });
  selfSigned("ca", "OCSP Test CA", true);
  selfSigned("rogue", "Rogue Signer", false);
  leaf("server", `${LEAF}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  leaf("good", `${LEAF}extendedKeyUsage=clientAuth\n`);
  leaf("revoked", `${LEAF}extendedKeyUsage=clientAuth\n`);
  leaf("unknown", `${LEAF}extendedKeyUsage=clientAuth\n`);
  leaf("aia", `${LEAF}extendedKeyUsage=clientAuth\nauthorityInfoAccess=OCSP;URI:${aiaUrl}\n`);
  leaf("signer", `${LEAF}extendedKeyUsage=OCSPSigning\n`);
  // The responder's database: good and aia valid, revoked revoked an hour ago, unknown absent.
  const serial = (name: string) =>
    openssl(dir, ["x509", "-in", `${name}.crt`, "-noout", "-serial"])
      .trim()
      .split("=")[1];
  const time = (d: Date) => `${d.toISOString().slice(2, 19).replace(/[-:T]/g, "")}Z`;
  const expires = time(new Date(Date.now() + 30 * 86400_000));
  const revokedAt = time(new Date(Date.now() - 3600_000));
  writeFileSync(
    join(dir, "index.txt"),
    [
      `V\t${expires}\t\t${serial("good")}\tunknown\t/CN=good`,
      `R\t${expires}\t${revokedAt},keyCompromise\t${serial("revoked")}\tunknown\t/CN=revoked`,
      `V\t${expires}\t\t${serial("aia")}\tunknown\t/CN=aia`,
      "",
    ].join("\n"),
  );
}

/** Runs `openssl ocsp` as a responder signing with `signer` until the test ends (or `stop()`). */
async function startResponder(
  t: TestContext,
  dir: string,
  signer: string,
  port?: number,
): Promise<{
  port: number;
  url: string;
  requests: () => number;
  log: () => string;
  stop: () => Promise<void>;
}> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    "openssl",
    ["ocsp", "-index", "index.txt", "-CA", "ca.crt", "-rsigner", `${signer}.crt`].concat([
      "-rkey",
      `${signer}.key`,
      "-port",
      String(p),
      "-nmin",
      "10",
    ]),
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  t.after(stop);
  // Not waitForPort: openssl 3.0's responder blocks for good on a connection closed
  // without a request, so wait for its banner instead.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`openssl ocsp did not start:\n${log}`)),
      10_000,
    );
    const poll = () => {
      if (log.includes("waiting for OCSP client connections")) {
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`openssl ocsp exited:\n${log}`));
      } else child.stdout?.once("data", poll) && child.stderr?.once("data", poll);
    };
    poll();
  });
  return {
    port: p,
    url: `http://127.0.0.1:${p}`,
    requests: () => (log.match(/Received request/g) ?? []).length,
    log: () => log,
    stop,
  };
}

function block(listen: string, ocsp: string, echo: number): string {
  return `server {
    listen ${listen} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_verify_client on;
    ssl_client_certificate ca.crt;
    ${ocsp}
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
        proxy_set_header x-verify $ssl_client_verify;
        proxy_pass http://127.0.0.1:${echo};
    }
}
`;
}

interface Outcome {
  readonly status: string;
  /** `$ssl_client_verify` at the upstream (200), or the error page's title. */
  readonly verify: string | undefined;
}

function curl(dir: string, client: string, port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "8", "--cacert", "ca.crt"]
        .concat(["--cert", `${client}.crt`, "--key", `${client}.key`])
        .concat([`https://localhost:${port}/`]),
      { cwd: dir, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          resolve({ status: `curl failed: ${stderr.trim()}`, verify: undefined });
          return;
        }
        const status = stdout.slice(0, stdout.indexOf("\r\n"));
        const text = stdout.slice(stdout.indexOf("\r\n\r\n") + 4);
        resolve({
          status,
          verify: status.includes(" 200 ")
            ? (JSON.parse(text) as Record<string, string>)["x-verify"]
            : /<title>([^<]*)<\/title>/.exec(text)?.[1],
        });
      },
    );
  });
}

async function gateway(t: TestContext, dir: string, name: string, text: string) {
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, text);
  const { config, material } = loadNginxGateway(file);
  const lines: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => lines.push(l), logLevel: "info" });
  t.after(() => gw.close());
  return { port: gw.addresses[0]?.port ?? 0, lines, gw };
}

test("OCSP checks match nginx 1.22: good, revoked, unknown, responder down, wrong signer, CA-signed, AIA URL", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const aiaPort = await freePort();
  makePki(dir, `http://127.0.0.1:${aiaPort}`);
  const echo = await startHeadersEcho(t);
  const delegated = await startResponder(t, dir, "signer");
  const rogue = await startResponder(t, dir, "rogue");
  const byCa = await startResponder(t, dir, "ca");
  await startResponder(t, dir, "signer", aiaPort);
  const down = await freePort();
  const variants: Record<string, { ocsp: string; clients: readonly string[] }> = {
    "leaf, delegated signer": {
      ocsp: `ssl_ocsp leaf;\n    ssl_ocsp_responder ${delegated.url};`,
      clients: ["good", "revoked", "unknown"],
    },
    "on, delegated signer": {
      ocsp: `ssl_ocsp on;\n    ssl_ocsp_responder ${delegated.url};`,
      clients: ["good", "revoked"],
    },
    "responder down": {
      ocsp: `ssl_ocsp on;\n    ssl_ocsp_responder http://127.0.0.1:${down};`,
      clients: ["good"],
    },
    "wrong signer": {
      ocsp: `ssl_ocsp on;\n    ssl_ocsp_responder ${rogue.url};`,
      clients: ["good"],
    },
    "CA signs": { ocsp: `ssl_ocsp on;\n    ssl_ocsp_responder ${byCa.url};`, clients: ["good"] },
    "AIA URL, no responder configured": { ocsp: "ssl_ocsp leaf;", clients: ["aia", "good"] },
  };
  const logs: string[][] = [];
  const both = await startSideBySide(t, {
    dir,
    blocks: Object.fromEntries(
      Object.entries(variants).map(([name, v]) => [
        name,
        (listen: string) => block(listen, v.ocsp, echo),
      ]),
    ),
    startOurs: async (name, text) => {
      const ours = await gateway(t, dir, name.replace(/\W+/g, "-"), text);
      logs.push(ours.lines);
      return ours.port;
    },
    nginx: { errorLog: "stderr info" },
  });
  if (!both) return;
  const { ports, nginx: ng } = both;
  const table: Record<string, string> = {};
  const mismatches: string[] = [];
  for (const [name, v] of Object.entries(variants)) {
    const p = ports[name] as { ours: number; theirs: number };
    for (const client of v.clients) {
      const theirs = await curl(dir, client, p.theirs);
      const ours = await curl(dir, client, p.ours);
      table[`${name} / ${client}`] = `${theirs.status} ${theirs.verify}`;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        mismatches.push(
          `${name} / ${client}:\n  nginx: ${JSON.stringify(theirs)}\n  ours:  ${JSON.stringify(ours)}`,
        );
      }
    }
  }
  assert.deepEqual(
    mismatches,
    [],
    `${mismatches.join("\n")}\nnginx:\n${ng.stderr}\nours:\n${logs.flat().join("\n")}\nresponder:\n${delegated.log()}`,
  );
  // nginx's behaviour, pinned so a change on either side shows.
  assert.deepEqual(table, {
    "leaf, delegated signer / good": "HTTP/1.1 200 OK SUCCESS",
    "leaf, delegated signer / revoked": "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
    "leaf, delegated signer / unknown": "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
    "on, delegated signer / good": "HTTP/1.1 200 OK SUCCESS",
    "on, delegated signer / revoked": "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
    "responder down / good": "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
    "wrong signer / good": "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
    "CA signs / good": "HTTP/1.1 200 OK SUCCESS",
    "AIA URL, no responder configured / aia": "HTTP/1.1 200 OK SUCCESS",
    "AIA URL, no responder configured / good":
      "HTTP/1.1 400 Bad Request 400 The SSL certificate error",
  });
  for (const reason of [
    "certificate revoked",
    "certificate status unknown",
    "certificate status request failed",
  ]) {
    const line = new RegExp(`client SSL certificate verify error: ${reason} while`);
    assert.match(ng.stderr, line);
    assert.match(logs.flat().join("\n"), line);
  }
});

/** One request on a fresh TLS connection (resuming `session` when given), `Connection: close`. */
function tlsGet(
  dir: string,
  port: number,
  client: string,
  session?: Buffer,
): Promise<{ status: string; verify: string | undefined; reused: boolean; session?: Buffer }> {
  return new Promise((resolve, reject) => {
    const file = (f: string) => readFileSync(join(dir, f));
    let next: Buffer | undefined;
    const s = tlsConnect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: file("ca.crt"),
      cert: file(`${client}.crt`),
      key: file(`${client}.key`),
      ...(session ? { session } : {}),
    });
    s.on("session", (b: Buffer) => {
      next = b;
    });
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (c: string) => {
      text += c;
    });
    s.once("secureConnect", () => {
      s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    });
    s.once("error", reject);
    s.once("end", () => {
      const status = text.slice(0, text.indexOf("\r\n"));
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      resolve({
        status,
        verify: status.includes(" 200 ")
          ? // The body may come chunked: the JSON object is the one {...} in it.
            (JSON.parse(/\{.*\}/s.exec(body)?.[0] ?? "{}") as Record<string, string>)["x-verify"]
          : /<title>([^<]*)<\/title>/.exec(body)?.[1],
        reused: s.isSessionReused(),
        ...(next ? { session: next } : {}),
      });
    });
  });
}

async function metric(gw: { metrics: { registry: Registry } }, name: string): Promise<string> {
  const text = await gw.metrics.registry.metrics();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .join("\n");
}

test("mtls_ocsp_mode soft accepts a client when the responder is down, with a warning; hard refuses it", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makePki(dir, "http://127.0.0.1:9");
  const echo = await startHeadersEcho(t);
  const down = await freePort();
  const responder = `ssl_ocsp_responder http://127.0.0.1:${down};`;
  const soft = await gateway(
    t,
    dir,
    "soft",
    block("127.0.0.1:0", `ssl_ocsp leaf;\n    ${responder}\n    mtls_ocsp_mode soft;`, echo),
  );
  const hard = await gateway(
    t,
    dir,
    "hard",
    block("127.0.0.1:0", `ssl_ocsp leaf;\n    ${responder}\n    mtls_ocsp_mode hard;`, echo),
  );
  assert.deepEqual(await curl(dir, "good", soft.port), {
    status: "HTTP/1.1 200 OK",
    verify: "SUCCESS",
  });
  assert.deepEqual(await curl(dir, "good", hard.port), {
    status: "HTTP/1.1 400 Bad Request",
    verify: "400 The SSL certificate error",
  });
  const warning = soft.lines.find((l) => l.includes("[warn]")) ?? "";
  assert.match(
    warning,
    new RegExp(`OCSP responder http://127.0.0.1:${down} cannot be reached: ECONNREFUSED`),
  );
  assert.match(warning, /accepted without an OCSP answer \(mtls_ocsp_mode soft\)/);
  assert.match(await metric(soft.gw, "mtls_gateway_ocsp_soft_failures_total"), / 1$/);
  assert.match(await metric(hard.gw, "mtls_gateway_ocsp_checks_total"), /result="error"} 1/);
});

test("a cached OCSP answer serves the next connections without the responder", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makePki(dir, "http://127.0.0.1:9");
  const echo = await startHeadersEcho(t);
  const responder = await startResponder(t, dir, "signer");
  const ours = await gateway(
    t,
    dir,
    "cache",
    block(
      "127.0.0.1:0",
      `ssl_ocsp leaf;\n    ssl_ocsp_responder ${responder.url};\n    ssl_ocsp_cache shared:OCSP:1m;`,
      echo,
    ),
  );
  assert.deepEqual(await curl(dir, "good", ours.port), {
    status: "HTTP/1.1 200 OK",
    verify: "SUCCESS",
  });
  assert.equal((await curl(dir, "revoked", ours.port)).status, "HTTP/1.1 400 Bad Request");
  assert.equal(responder.requests(), 2);
  await responder.stop();
  // The responder is gone: only the cache can answer now (hard mode would refuse otherwise).
  assert.deepEqual(await curl(dir, "good", ours.port), {
    status: "HTTP/1.1 200 OK",
    verify: "SUCCESS",
  });
  assert.equal((await curl(dir, "revoked", ours.port)).status, "HTTP/1.1 400 Bad Request");
  assert.equal((await curl(dir, "unknown", ours.port)).status, "HTTP/1.1 400 Bad Request");
  assert.equal(
    await metric(ours.gw, "mtls_gateway_ocsp_cache_hits_total"),
    "mtls_gateway_ocsp_cache_hits_total 2",
  );
  const checks = await metric(ours.gw, "mtls_gateway_ocsp_checks_total");
  assert.match(checks, /result="good"} 2/);
  assert.match(checks, /result="revoked"} 2/);
  assert.match(checks, /result="error"} 1/);
});

for (const protocol of ["TLSv1.2", "TLSv1.3"]) {
  test(`a resumed ${protocol} session is checked again like a full handshake`, async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const dir = tempDir(t);
    makePki(dir, "http://127.0.0.1:9");
    const echo = await startHeadersEcho(t);
    const responder = await startResponder(t, dir, "signer");
    // No ssl_ocsp_cache (nginx's default): every connection asks the responder.
    const ocsp = `ssl_ocsp leaf;\n    ssl_ocsp_responder ${responder.url};\n    ssl_session_cache shared:SSL:1m;`;
    const text = block("127.0.0.1:0", ocsp, echo).replace(
      "ssl_protocols TLSv1.2 TLSv1.3;",
      `ssl_protocols ${protocol};`,
    );
    const ours = await gateway(t, dir, "resume", text);
    const first = await tlsGet(dir, ours.port, "good");
    assert.deepEqual(
      [first.status, first.verify, first.reused],
      ["HTTP/1.1 200 OK", "SUCCESS", false],
    );
    const second = await tlsGet(dir, ours.port, "good", first.session);
    assert.deepEqual(
      [second.status, second.verify, second.reused],
      ["HTTP/1.1 200 OK", "SUCCESS", true],
    );
    assert.equal(responder.requests(), 2);
    await responder.stop();
    const third = await tlsGet(dir, ours.port, "good", second.session ?? first.session);
    assert.deepEqual(
      [third.status, third.verify, third.reused],
      ["HTTP/1.1 400 Bad Request", "400 The SSL certificate error", true],
    );
  });
}
