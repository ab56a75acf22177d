import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { PP2_SIGNATURE } from "../../src/gateway/proxy-protocol/constants.ts";
import { type RunningGateway, startGateway } from "../../src/gateway/server.ts";
import { runMtls } from "../helpers/cli.ts";
import { freePort } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** A running gateway and the error_log and access_log lines it wrote. */
interface Ours {
  readonly gw: RunningGateway;
  readonly port: number;
  readonly log: string[];
  readonly access: string[];
}

async function startOurs(t: TestContext, dir: string, server: (listen: string) => string) {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, server("127.0.0.1:0"));
  const { config, material } = loadNginxGateway(file);
  const log: string[] = [];
  const access: string[] = [];
  const gw = await startGateway(config, {
    material,
    log: (l) => log.push(l),
    accessLog: (l) => access.push(l),
    frontTimeoutMs: 10_000,
  });
  t.after(() => gw.close());
  return { gw, port: gw.addresses[0]?.port ?? 0, log, access } satisfies Ours;
}

function tlsBlock(pki: OpensslPki): string {
  return `ssl_certificate ${pki.serverCert};\n  ssl_certificate_key ${pki.serverKey};`;
}

const PP_BODY =
  '"$proxy_protocol_addr|$proxy_protocol_port|$proxy_protocol_server_addr|$proxy_protocol_server_port|$remote_addr"';

/** A v2 header by hand (the test does not use the gateway's code to write it). */
function v2(verCmd: number, fam: number, body: readonly number[]): Uint8Array {
  const b = Uint8Array.from(body);
  return Uint8Array.from([...PP2_SIGNATURE, verCmd, fam, b.length >> 8, b.length & 0xff, ...b]);
}

const HEADERS: readonly [string, Uint8Array | string][] = [
  ["v1 TCP4", "PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"],
  ["v1 TCP6", "PROXY TCP6 2001:db8::1 2001:db8::2 51000 8443\r\n"],
  ["v1 UNKNOWN", "PROXY UNKNOWN\r\n"],
  [
    "v2 TCP4 with an ALPN TLV",
    v2(0x21, 0x11, [192, 0, 2, 7, 198, 51, 100, 9, 0xc7, 0x38, 0x01, 0xbb, 0x01, 0, 2, 0x68, 0x32]),
  ],
  [
    "v2 TCP6",
    v2(0x21, 0x21, [
      ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
      ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
      0x30,
      0x39,
      0x20,
      0xfb,
    ]),
  ],
  ["v2 LOCAL", v2(0x20, 0x00, [])],
];

test("a proxy_protocol listener gives the $proxy_protocol_* variables nginx 1.22 gives for the same v1 and v2 headers", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const server = (listen: string) =>
    `server {\n  listen ${listen} ssl proxy_protocol;\n  ${tlsBlock(pki)}\n  location / { return 200 ${PP_BODY}; }\n}\n`;
  const ng = await startNginx(t, { dir, http: server });
  if (!ng) return;
  const ours = await startOurs(t, dir, server);
  for (const [name, header] of HEADERS) {
    const theirs = await getThroughProxyHeader(ng.port, header);
    const mine = await getThroughProxyHeader(ours.port, header);
    assert.ok(!theirs.startsWith("closed"), `${name}: nginx ${theirs}`);
    assert.equal(mine, theirs, name);
  }
});

test("a proxy_protocol listener closes a connection with no or a broken header, as nginx does, and logs why", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const server = (listen: string) =>
    `server {\n  listen ${listen} ssl proxy_protocol;\n  ${tlsBlock(pki)}\n  location / { return 200 ${PP_BODY}; }\n}\n`;
  const ng = await startNginx(t, { dir, http: server });
  if (!ng) return;
  const ours = await startOurs(t, dir, server);
  for (const header of ["", "PROXY TCP4 1.2.3.4\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"]) {
    const theirs = await getThroughProxyHeader(ng.port, header);
    const mine = await getThroughProxyHeader(ours.port, header);
    assert.match(theirs, /^closed/, `nginx, header ${JSON.stringify(header)}`);
    assert.match(mine, /^closed/, `gateway, header ${JSON.stringify(header)}`);
  }
  // Stricter than nginx (NGINX-COMPAT.md): nginx only checks an address's characters.
  const odd = "PROXY TCP4 999.0.0.1 1.2.3.4 1 2\r\n";
  assert.equal(await getThroughProxyHeader(ng.port, odd), "999.0.0.1|1|1.2.3.4|2|127.0.0.1");
  assert.match(await getThroughProxyHeader(ours.port, odd), /^closed/);
  assert.match(ng.stderr, /broken header/);
  const broken = ours.log.filter((l) => l.includes("broken header"));
  assert.equal(broken.length, 4, ours.log.join("\n"));
  assert.match(
    broken[0] ?? "",
    /\[error\] .*broken header: "\\x16\\x03\\x01.*while reading PROXY protocol \(Invalid PROXY protocol header: first byte 0x16.*\), client: 127\.0\.0\.1, server: 127\.0\.0\.1:\d+/,
  );
  const metrics = await ours.gw.metrics.registry.metrics();
  assert.match(
    metrics,
    /mtls_gateway_connections_refused_total\{reason="proxy_protocol_broken_header"\} 4/,
  );
});

/** Runs a command; resolves with its exit code and output. */
function run(cmd: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Captures loopback traffic to `port` with tcpdump while `body` runs. */
async function capture(
  t: TestContext,
  file: string,
  port: number,
  body: () => Promise<void>,
): Promise<boolean> {
  const tcpdump = requirePeer(t, "tcpdump");
  if (!tcpdump) return false;
  const child = spawn(
    tcpdump,
    ["-i", "lo", "-U", "--immediate-mode", "-Z", "root", "-w", file, `tcp port ${port}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
      if (err.includes("listening on")) resolve();
    });
    child.once("exit", () => reject(new Error(`tcpdump exited: ${err}`)));
  });
  try {
    await body();
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  }
  return true;
}

const FP_LOG = `log_format fp '$ssl_ja3_hash $ssl_ja4 "$ssl_ja3"';\n`;

test("the logged JA3 and JA4 of curl's connection equal what mtls analyze computes from a tcpdump capture of it", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const ours = await startOurs(
    t,
    dir,
    (listen) =>
      `${FP_LOG}server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  access_log stderr fp;\n  location / { return 200 "$ssl_ja4"; }\n}\n`,
  );
  const pcap = join(dir, "curl.pcap");
  let body = "";
  const captured = await capture(t, pcap, ours.port, async () => {
    const r = await run("curl", ["-sk", "--max-time", "10", `https://localhost:${ours.port}/`]);
    assert.equal(r.code, 0, r.out);
    body = r.out;
  });
  if (!captured) return;
  const [hash, ja4, ja3] = (ours.access[0] ?? "").split(" ");
  assert.match(hash ?? "", /^[0-9a-f]{32}$/);
  assert.equal(body, ja4);
  const analyzed = await runMtls(["analyze", "--json", pcap]);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const conn = JSON.parse(analyzed.stdout.trim().split("\n")[0] ?? "{}") as {
    ja3: string;
    ja4: string;
  };
  assert.equal(conn.ja3, hash);
  assert.equal(conn.ja4, ja4);
  assert.match(ja3 ?? "", /^"771,[0-9-]+,[0-9-]+,[0-9-]*,[0-9-]*"$/);
});

const PYTHON_GET = `
import ssl, sys, http.client
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("localhost", int(sys.argv[1]), context=ctx, timeout=10)
c.request("GET", "/")
r = c.getresponse()
print(r.status, r.read().decode())
`;

import { getThroughProxyHeader } from "../helpers/proxy-client.ts";

test("mtls_ja4_deny with curl's JA4 refuses curl with a handshake_failure alert while python passes", async (t) => {
  const python = requirePeer(t, "python3");
  if (!python) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const probe = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  location / { return 200 "$ssl_ja4"; }\n}\n`,
  );
  const curlJa4 = (await run("curl", ["-sk", `https://localhost:${probe.port}/`])).out;
  const pythonJa4 = (await run(python, ["-c", PYTHON_GET, String(probe.port)])).out.trim();
  assert.match(curlJa4, /^t13d\d{4}h2_/);
  assert.notEqual(`200 ${curlJa4}`, pythonJa4);
  const ours = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  mtls_ja4_deny ${curlJa4};\n  location / { return 200 "ok"; }\n}\n`,
  );
  const denied = await run("curl", ["-sSk", "--max-time", "10", `https://localhost:${ours.port}/`]);
  assert.equal(denied.code, 35, denied.out);
  assert.match(denied.out, /alert handshake failure/);
  const passed = await run(python, ["-c", PYTHON_GET, String(ours.port)]);
  assert.equal(passed.out.trim(), "200 ok");
  const line = ours.log.find((l) => l.includes("access forbidden"));
  assert.match(
    line ?? ours.log.join("\n"),
    new RegExp(
      `\\[error\\] .*access forbidden by rule \\(mtls_ja4_deny ${curlJa4}\\), client: 127\\.0\\.0\\.1, server: 127\\.0\\.0\\.1:\\d+$`,
    ),
  );
  const metrics = await ours.gw.metrics.registry.metrics();
  assert.match(metrics, /mtls_gateway_connections_refused_total\{reason="fingerprint_denied"\} 1/);
});

test("an allow list admits only the listed JA3 and refuses openssl s_client", async (t) => {
  const python = requirePeer(t, "python3");
  const openssl = requirePeer(t, "openssl");
  if (!python || !openssl) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const probe = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  location / { return 200 "$ssl_ja3_hash"; }\n}\n`,
  );
  const pythonJa3 = (await run(python, ["-c", PYTHON_GET, String(probe.port)])).out.trim().slice(4);
  const ours = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  mtls_ja3_allow ${pythonJa3};\n  location / { return 200 "ok"; }\n}\n`,
  );
  assert.equal((await run(python, ["-c", PYTHON_GET, String(ours.port)])).out.trim(), "200 ok");
  const s = await run(openssl, ["s_client", "-connect", `127.0.0.1:${ours.port}`, "-brief"]);
  assert.match(s.out, /alert handshake failure/);
  assert.ok(ours.log.some((l) => l.includes("access forbidden by rule (mtls_ja3_allow ")));
});

const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

test("behind nginx 1.22's stream proxy_protocol, $proxy_protocol_addr and _port are curl's and $ssl_ja4 is curl's own", async (t) => {
  if (!existsSync(STREAM_MODULE)) {
    t.skip(`nginx's stream module is not installed (${STREAM_MODULE})`);
    return;
  }
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const ours = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl proxy_protocol;\n  ${tlsBlock(pki)}\n  location / { return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port $remote_addr $ssl_ja4"; }\n}\n`,
  );
  const direct = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl;\n  ${tlsBlock(pki)}\n  location / { return 200 "$ssl_ja4"; }\n}\n`,
  );
  const streamPort = await freePort();
  const ng = await startNginx(t, {
    dir,
    http: "",
    ports: [streamPort],
    main: `load_module ${STREAM_MODULE};\nstream {\n  server {\n    listen 127.0.0.1:${streamPort};\n    proxy_pass 127.0.0.1:${ours.port};\n    proxy_protocol on;\n  }\n}\n`,
  });
  if (!ng) return;
  const r = await run("curl", ["-sk", "-w", " %{local_port}", `https://localhost:${streamPort}/`]);
  assert.equal(r.code, 0, r.out);
  const [addr, port, serverAddr, serverPort, remote, ja4, curlPort] = r.out.split(" ");
  assert.equal(addr, "127.0.0.1");
  assert.equal(port, curlPort);
  assert.equal(serverAddr, "127.0.0.1");
  assert.equal(serverPort, String(streamPort));
  assert.equal(remote, "127.0.0.1");
  const own = await run("curl", ["-sk", `https://localhost:${direct.port}/`]);
  assert.equal(ja4, own.out);
});

test("in strict mode (mtls_reject_in_handshake) the front's variables still reach the request", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const ours = await startOurs(
    t,
    dir,
    (listen) =>
      `server {\n  listen ${listen} ssl proxy_protocol;\n  ${tlsBlock(pki)}\n  ssl_client_certificate ${pki.caCert};\n  ssl_verify_client on;\n  mtls_reject_in_handshake on;\n  location / { return 200 "$proxy_protocol_addr $ssl_ja4 $ssl_client_s_dn"; }\n}\n`,
  );
  const body = await new Promise<string>((resolve, reject) => {
    const raw = connect({ host: "127.0.0.1", port: ours.port }, () => {
      raw.write("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n");
      const s = tlsConnect({
        socket: raw,
        rejectUnauthorized: false,
        servername: "localhost",
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
      });
      let data = "";
      s.on("secureConnect", () =>
        s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
      );
      s.on("data", (c: Buffer) => {
        data += c.toString();
      });
      s.on("error", reject);
      s.on("close", () => resolve(data.slice(data.indexOf("\r\n\r\n") + 4)));
    });
  });
  assert.match(body, /^192\.0\.2\.1 t1[23]d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12} CN=client-1$/);
});
