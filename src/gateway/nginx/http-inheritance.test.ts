import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { importNginx } from "./import.ts";
import { loadNginxGateway } from "./load.ts";
import { parseNginx } from "./parser.ts";

function imp(text: string) {
  return importNginx(parseNginx(text, { file: "/p/nginx.conf" }));
}

const SERVER = `server {
        listen 127.0.0.1:8443 ssl;
        ssl_certificate /p/c.crt;
        ssl_certificate_key /p/c.key;
        location / { return 204; }
    }`;

test("http-level ssl_* and error_log are inherited by servers that do not set them", () => {
  const r = imp(`error_log /p/main.log warn;
http {
    ssl_protocols TLSv1.3;
    ssl_prefer_server_ciphers on;
    ${SERVER}
    server {
        listen 127.0.0.1:8444 ssl;
        ssl_certificate /p/c.crt;
        ssl_certificate_key /p/c.key;
        ssl_protocols TLSv1.2;
        error_log /p/own.log;
        location / { return 204; }
    }
}
`);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  const [a, b] = r.config?.servers ?? [];
  assert.deepEqual(a?.tls.protocols, ["TLSv1.3"]);
  assert.equal(a?.tls.preferServerCiphers, true);
  assert.deepEqual([a?.errorLog?.file, a?.errorLog?.level], ["/p/main.log", "warn"]);
  assert.deepEqual(b?.tls.protocols, ["TLSv1.2"]);
  assert.equal(b?.errorLog?.file, "/p/own.log");
});

test("performance directives are ignored with one warning each, no spelling hint", () => {
  const r = imp(`http {
    sendfile on;
    tcp_nopush on;
    gzip on;
    ${SERVER}
}
`);
  assert.ok(r.config);
  assert.deepEqual(
    r.diagnostics
      .filter((d) => d.message.includes("is ignored"))
      .map((d) => [d.severity, d.message, d.hint]),
    [
      [
        "warning",
        'Directive "sendfile" is ignored: the gateway proxies and serves no files',
        undefined,
      ],
      [
        "warning",
        'Directive "tcp_nopush" is ignored: an nginx performance setting with no meaning for mtlskit',
        undefined,
      ],
      [
        "warning",
        'Directive "gzip" is ignored: mtlskit passes bodies through without compressing them',
        undefined,
      ],
    ],
  );
});

test("user, pid and worker_processes warnings point at --workers", () => {
  const r = imp(
    `user www-data;\npid /run/nginx.pid;\nworker_processes auto;\nhttp { ${SERVER} }\n`,
  );
  const hints = r.diagnostics
    .filter((d) => /"(user|pid|worker_processes)"/.test(d.message))
    .map((d) => d.hint ?? "");
  assert.equal(hints.length, 3);
  for (const h of hints) assert.match(h, /--workers/);
});

test("Debian's stock nginx.conf with a conf.d server loads with warnings only", () => {
  const file = fileURLToPath(
    new URL("../../../test/fixtures/nginx/debian/nginx.conf", import.meta.url),
  );
  const loaded = loadNginxGateway(file);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  const s = loaded.config.servers[0];
  assert.deepEqual(s?.tls.protocols, ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
  assert.equal(s?.tls.preferServerCiphers, true);
  assert.equal(s?.errorLog?.file, "/var/log/nginx/error.log");
});
