/**
 * Benchmark: what the pre-TLS connection front costs per connection.
 *
 * 1. End to end, in one process: three gateways answering `return 204` — without a front
 *    (the default: no `proxy_protocol`, no fingerprint), with `listen ... proxy_protocol`,
 *    and with `$ssl_ja4` in the access log (the front reads the ClientHello) — each taking
 *    N new TLS 1.3 connections with one request, in interleaved rounds of R so machine
 *    load hits all three alike. Prints the median time per connection of each.
 * 2. The front's own work on one recorded ClientHello: `ClientHelloReader` +
 *    `clientFingerprints` (JA3 + JA4), and `decodeProxyHeader` on a v1 header, per call.
 *
 * Run: `npx tsx bench/gateway-front.ts [N] [R]` (defaults N=200, R=5). Prints figures;
 * asserts nothing (the goal: the default listener pays nothing, since it gets no front).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { connect as tlsConnect } from "node:tls";
import { ClientHelloReader } from "../src/gateway/client-hello-reader.ts";
import { clientFingerprints } from "../src/gateway/fingerprint-rules.ts";
import { loadNginxGateway } from "../src/gateway/nginx/load.ts";
import { decodeProxyHeader } from "../src/gateway/proxy-protocol/decode.ts";
import { startGateway } from "../src/gateway/server.ts";

const n = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), "mtls-bench-front-"));
const HEADER = "PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function oneRequest(port: number, header: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = connect({ host: "127.0.0.1", port }, () => {
      if (header) raw.write(header);
      const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: "localhost" });
      s.on("secureConnect", () =>
        s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
      );
      s.on("data", () => {});
      s.on("error", reject);
      s.on("close", () => resolve());
    });
    raw.on("error", reject);
  });
}

async function main(): Promise<void> {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      "s.key",
      "-out",
      "s.crt",
      "-subj",
      "/CN=localhost",
      "-days",
      "1",
    ]),
    { cwd: dir, stdio: "ignore" },
  );
  const conf = (name: string, listen: string, extra: string) => {
    const file = join(dir, `${name}.conf`);
    writeFileSync(
      file,
      `log_format fp '$ssl_ja4';\nserver {\n  listen 127.0.0.1:0 ssl${listen};\n  ssl_certificate s.crt;\n  ssl_certificate_key s.key;\n  ssl_protocols TLSv1.3;\n${extra}  location / { return 204; }\n}\n`,
    );
    return file;
  };
  const variants = [
    { name: "no front", file: conf("plain", "", ""), header: undefined },
    { name: "proxy_protocol", file: conf("pp", " proxy_protocol", ""), header: HEADER },
    {
      name: "$ssl_ja4 logged",
      file: conf("ja4", "", "  access_log /dev/null fp;\n"),
      header: undefined,
    },
  ];
  const running = await Promise.all(
    variants.map(async (v) => {
      const { config, material } = loadNginxGateway(v.file);
      const gw = await startGateway(config, { material, log: () => {} });
      return { ...v, gw, port: gw.addresses[0]?.port ?? 0, times: [] as number[] };
    }),
  );
  for (const r of running) for (let i = 0; i < 20; i++) await oneRequest(r.port, r.header);
  for (let round = 0; round < rounds; round++) {
    for (const r of running) {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await oneRequest(r.port, r.header);
        r.times.push(performance.now() - t0);
      }
    }
  }
  console.log(`connections: ${n} x ${rounds} rounds each, TLS 1.3, one request, sequential`);
  for (const r of running) {
    console.log(`  ${r.name.padEnd(16)} median ${median(r.times).toFixed(3)} ms/connection`);
    await r.gw.close();
  }

  const stream = new Uint8Array(
    readFileSync(new URL("../src/tls/testdata/01.client.bin", import.meta.url)),
  );
  const helloSize = 5 + (((stream[3] ?? 0) << 8) | (stream[4] ?? 0));
  const hello = stream.subarray(0, helloSize);
  const calls = 20_000;
  let t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const peek = new ClientHelloReader().push(hello);
    if (peek.kind === "hello") clientFingerprints(peek.hello);
  }
  const helloUs = ((performance.now() - t0) * 1000) / calls;
  const header = new TextEncoder().encode(HEADER);
  t0 = performance.now();
  for (let i = 0; i < calls; i++) decodeProxyHeader(header);
  const headerUs = ((performance.now() - t0) * 1000) / calls;
  console.log(
    `front work: ClientHello (${helloSize} bytes) read + JA3 + JA4 ${helloUs.toFixed(1)} µs; PROXY v1 decode ${headerUs.toFixed(2)} µs`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
