import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../../src/gateway/diagnostic.ts";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

// A Debian-style layout (nginx.conf → mime.types, conf.d/*.conf) in nginx 1.22 and the gateway.

const MIME = "types {\n    text/html html htm;\n    application/json json;\n}\n";

/** conf.d/a.conf and conf.d/b.conf (one server each) plus mime.types, in `dir`. */
function layout(dir: string, listen: (n: number) => string, extra = ""): void {
  mkdirSync(join(dir, "conf.d"), { recursive: true });
  writeFileSync(join(dir, "mime.types"), MIME);
  for (const [n, name] of [
    [0, "a"],
    [1, "b"],
  ] as const) {
    writeFileSync(
      join(dir, "conf.d", `${name}.conf`),
      `server {\n    listen ${listen(n)} ssl;\n    ssl_certificate server.crt;\n    ssl_certificate_key server.key;${n === 1 ? extra : ""}\n    location / { return 200 "from ${name}.conf\\n"; }\n}\n`,
    );
  }
  writeFileSync(join(dir, "conf.d", "notes.txt"), "not a .conf: never included\n");
}

function body(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/", rejectUnauthorized: false, agent: false },
      (res) => {
        let b = "";
        res.on("data", (c: Buffer) => {
          b += c.toString();
        });
        res.on("end", () => resolve(b));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("nginx.conf including mime.types and conf.d/*.conf: both servers answer in nginx and the gateway", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const ngDir = tempDir(t);
  makeOpensslPki(ngDir);
  const port2 = await freePort();
  const ng = await startNginx(t, {
    dir: ngDir,
    http: (listen) => {
      layout(ngDir, (n) => (n === 0 ? listen : `127.0.0.1:${port2}`));
      return "include mime.types;\ndefault_type application/octet-stream;\ninclude conf.d/*.conf;\n";
    },
    ports: [port2],
  });
  if (!ng) return;
  const gwDir = tempDir(t);
  for (const f of ["server.crt", "server.key"]) copyFileSync(join(ngDir, f), join(gwDir, f));
  // Two blocks on 127.0.0.1:0 would share one listener: give each its own port.
  const gwPorts = [await freePort(), await freePort()];
  layout(gwDir, (n) => `127.0.0.1:${gwPorts[n]}`);
  writeFileSync(
    join(gwDir, "nginx.conf"),
    "events {}\nhttp {\n    include mime.types;\n    default_type application/octet-stream;\n    include conf.d/*.conf;\n}\n",
  );
  const { config, material, diagnostics } = loadNginxGateway(join(gwDir, "nginx.conf"));
  assert.ok(diagnostics.some((d) => d.location?.file === join(gwDir, "mime.types")));
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  assert.deepEqual([await body(ng.port), await body(port2)], ["from a.conf\n", "from b.conf\n"]);
  assert.deepEqual(await Promise.all(gw.addresses.map((a) => body(a.port))), [
    "from a.conf\n",
    "from b.conf\n",
  ]);
});

test("an error in an included file names that file and line, in nginx -t and in the gateway", (t) => {
  const nginx = requirePeer(t, "nginx");
  if (!nginx || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  layout(dir, (n) => `127.0.0.1:${n + 1}`, "\n    ssl_verify_client sometimes;");
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    "events {}\nhttp {\n    include mime.types;\n    include conf.d/*.conf;\n}\n",
  );
  let nginxSays = "";
  try {
    execFileSync(nginx, ["-t", "-p", dir, "-c", conf, "-g", "error_log stderr;"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    nginxSays = String((e as { stderr?: Buffer }).stderr);
  }
  const bconf = join(dir, "conf.d", "b.conf");
  assert.match(
    nginxSays,
    new RegExp(`invalid value "sometimes" in ${bconf.replaceAll("/", "\\/")}:5`),
  );
  assert.throws(
    () => loadNginxGateway(conf),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const bad = e.diagnostics.find((d) => d.message.includes('"sometimes"'));
      assert.deepEqual(bad?.location, { file: bconf, line: 5, column: 23 });
      return true;
    },
  );
});
