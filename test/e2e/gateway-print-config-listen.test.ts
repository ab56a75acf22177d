import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadNativeGateway } from "../../src/gateway/native/load-native.ts";
import { printNativeConfig } from "../../src/gateway/native/print-config.ts";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "../helpers/net.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { getThroughProxyHeader } from "../helpers/proxy-client.ts";
import { tempDir } from "../helpers/tmp.ts";

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
        await getThroughProxyHeader(plain),
        await getThroughProxyHeader(proxied, "PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"),
      ];
    } finally {
      await gw.close();
    }
  }
  assert.deepEqual(results.nginx, ["ok", "ok"]);
  assert.deepEqual(results.native, results.nginx);
});
