import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { loadNativeGateway } from "../../src/gateway/native/load-native.ts";
import { printNativeConfig } from "../../src/gateway/native/print-config.ts";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "../helpers/net.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Optionally a PROXY header, then TLS and one GET; the body, or `closed: ...`. */
function get(port: number, header?: string): Promise<string> {
  return new Promise((resolve) => {
    const raw: Socket = connect({ host: "127.0.0.1", port }, () => {
      if (header) raw.write(header);
      const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: "localhost" });
      let data = "";
      s.on("secureConnect", () => {
        s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      });
      s.on("data", (c: Buffer) => {
        data += c.toString();
      });
      s.on("error", (e) => resolve(`closed: ${e.message}`));
      s.on("close", () => {
        const at = data.indexOf("\r\n\r\n");
        resolve(at < 0 ? `closed: ${data}` : data.slice(at + 4));
      });
    });
    raw.on("error", (e) => resolve(`closed: ${e.message}`));
  });
}

test("the printed YAML of a block with one plain and one proxy_protocol listen serves both as nginx mode does", async (t) => {
  requirePeer(t, "openssl");
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const [plain, proxied] = [await freePort(), await freePort()];
  const conf = join(dir, "gw.conf");
  writeFileSync(
    conf,
    `server {
    listen 127.0.0.1:${plain} ssl;
    listen 127.0.0.1:${proxied} ssl proxy_protocol;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    location / { return 200 "ok"; }
}
`,
  );
  const yaml = join(dir, "gw.yaml");
  writeFileSync(yaml, printNativeConfig(loadNginxGateway(conf).config));
  const results: Record<string, string[]> = {};
  for (const [mode, loaded] of [
    ["nginx", loadNginxGateway(conf)],
    ["native", loadNativeGateway(yaml)],
  ] as const) {
    const gw = await startGateway(loaded.config, {
      material: loaded.material,
      log: () => {},
      frontTimeoutMs: 10_000,
    });
    try {
      results[mode] = [
        await get(plain),
        await get(proxied, "PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"),
      ];
    } finally {
      await gw.close();
    }
  }
  assert.deepEqual(results.nginx, ["ok", "ok"]);
  assert.deepEqual(results.native, results.nginx);
});
