import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

const YAML = `listeners:
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: /p/c.crt, key: /p/c.key, clientAuth: "off" }
    routes: [{ path: /, return: { status: 204 } }]
`;

test("a native listener without errorLog logs to stderr at warn", () => {
  const r = parseNativeConfig(YAML, { file: "/p/gw.yaml" });
  assert.deepEqual(r.config?.servers[0]?.errorLog, { file: "stderr", level: "warn" });
});

test("a native errorLog without level keeps nginx's default level error", () => {
  const r = parseNativeConfig(`${YAML}    errorLog: { file: /var/log/gw.log }\n`, {
    file: "/p/gw.yaml",
  });
  assert.deepEqual(r.config?.servers[0]?.errorLog, { file: "/var/log/gw.log", level: "error" });
});

test("--print-config writes the default error log out", () => {
  const r = parseNativeConfig(YAML, { file: "/p/gw.yaml" });
  assert.ok(r.config);
  assert.match(printNativeConfig(r.config), /errorLog:\n\s+file: stderr\n\s+level: warn/);
});
