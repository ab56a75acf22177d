import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import fc from "fast-check";
import { installFront } from "../../src/gateway/connection-front.ts";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { tempDir } from "../helpers/tmp.ts";

const HELLO = new Uint8Array(
  readFileSync(new URL("../../src/tls/testdata/01.client.bin", import.meta.url)),
).subarray(0, 165);
const HEADER = new TextEncoder().encode("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n");

/** Writes `chunks` one by one, then (when `end`) half-closes; resolves with what happened within `ms`. */
function poke(
  port: number,
  chunks: readonly Uint8Array[],
  end: boolean,
  ms: number,
): Promise<"closed" | "answered" | "hung"> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: "127.0.0.1", port });
    const finish = (how: "closed" | "answered" | "hung") => {
      clearTimeout(timer);
      s.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => finish("hung"), ms);
    s.on("error", () => {});
    s.on("data", () => finish("answered"));
    s.on("close", () => finish("closed"));
    s.on("connect", async () => {
      for (const c of chunks) {
        if (s.destroyed) return;
        s.write(c);
        await new Promise((r) => setImmediate(r));
      }
      if (end && !s.destroyed) s.end();
    });
  });
}

function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort(
    (a, b) => a - b,
  );
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

test("the front closes or hands on any bytes to TLS within its timeout, never throwing", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  // An HTTPS server (which, unlike a bare tls.Server, closes a socket whose handshake
  // timed out) with a short handshake timeout, so every path ends quickly.
  const tls = createHttpsServer({
    cert: readFileSync(pki.serverCert),
    key: readFileSync(pki.serverKey),
    handshakeTimeout: 1000,
  });
  tls.on("tlsClientError", () => {});
  const refused: string[] = [];
  const front = installFront(tls, {
    proxyProtocol: true,
    fingerprints: true,
    timeoutMs: 400,
    verdict: (fp) =>
      fp?.ja4.startsWith("t13")
        ? { kind: "deny", rule: "mtls_ja4_deny", value: fp.ja4 }
        : { kind: "allow" },
    onReject: (reason) => refused.push(reason),
  });
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", () => r()));
  t.after(() => {
    front.close();
    tls.close();
  });
  const port = (tls.address() as { port: number }).port;
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...HEADER, ...b])),
    fc.tuple(fc.nat(HELLO.length), fc.nat(), fc.nat(255)).map(([n, at, v]) => {
      const hello = Uint8Array.from(HELLO.subarray(0, n));
      if (hello.length > 0) hello[at % hello.length] = v;
      return Uint8Array.from([...HEADER, ...hello]);
    }),
  );
  await fc.assert(
    fc.asyncProperty(
      input,
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.boolean(),
      async (bytes, cuts, end) => {
        const how = await poke(port, split(bytes, cuts), end, 5000);
        assert.notEqual(how, "hung");
      },
    ),
    { numRuns: 40 },
  );
  assert.ok(refused.includes("proxy_protocol_broken_header"), refused.join());
});

test("a gateway with a front serves a request whose header and ClientHello arrive a few bytes at a time", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const file = join(dir, "gw.conf");
  writeFileSync(
    file,
    `server {\n  listen 127.0.0.1:0 ssl proxy_protocol;\n  ssl_certificate ${pki.serverCert};\n  ssl_certificate_key ${pki.serverKey};\n  mtls_ja3_deny 00000000000000000000000000000000;\n  location / { return 200 "$proxy_protocol_addr $ssl_ja4"; }\n}\n`,
  );
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {}, frontTimeoutMs: 5000 });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  const relay = createServer((client) => {
    const up = connect({ host: "127.0.0.1", port });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
    up.pipe(client);
    client.on("data", (c: Buffer) => {
      client.pause();
      void (async () => {
        for (let i = 0; i < c.length; i += 7) {
          up.write(c.subarray(i, i + 7));
          await new Promise((r) => setImmediate(r));
        }
        client.resume();
      })();
    });
    client.on("end", () => up.end());
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
  t.after(() => relay.close());
  const relayPort = (relay.address() as { port: number }).port;
  const body = await new Promise<string>((resolve, reject) => {
    const raw = connect({ host: "127.0.0.1", port: relayPort }, () => {
      raw.write(HEADER);
      const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: "localhost" });
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
  assert.match(body, /^192\.0\.2\.1 t13d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$/);
});
