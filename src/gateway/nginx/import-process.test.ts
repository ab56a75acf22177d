import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNativeConfig } from "../native/native-config.ts";
import { printNativeConfig } from "../native/print-config.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const SERVER = `server {
    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    location / { proxy_pass http://127.0.0.1:8080; }
}
`;

function imp(text: string) {
  return importNginx(parseNginx(text, { file: "/etc/gw/nginx.conf" }));
}

test("worker_shutdown_timeout becomes the drain deadline in ms, with its location", () => {
  const { config } = imp(`worker_shutdown_timeout 1m30s;\nhttp {\n${SERVER}}\n`);
  assert.deepEqual(config?.shutdown, {
    drainTimeoutMs: 90_000,
    location: { file: "/etc/gw/nginx.conf", line: 1, column: 1 },
  });
});

test("an invalid worker_shutdown_timeout is an error naming the value", () => {
  const { diagnostics } = imp(`worker_shutdown_timeout soon;\nhttp {\n${SERVER}}\n`);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    ['Invalid value for "worker_shutdown_timeout": "soon", expecting a time such as 10s or 1m'],
  );
});

test("without worker_shutdown_timeout the config has no shutdown settings", () => {
  assert.equal(imp(SERVER).config?.shutdown, undefined);
});

test("the drain deadline round-trips through the native YAML as shutdown.drainTimeout", () => {
  const { config } = imp(`worker_shutdown_timeout 45s;\nhttp {\n${SERVER}}\n`);
  assert.ok(config);
  const yaml = printNativeConfig(config);
  assert.match(yaml, /^shutdown:\n {2}drainTimeout: 45s\n/);
  const back = parseNativeConfig(yaml, { file: "/etc/gw/gw.yaml" });
  assert.equal(back.config?.shutdown?.drainTimeoutMs, 45_000);
});
