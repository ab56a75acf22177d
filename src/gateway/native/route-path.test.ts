import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { parseNativeConfig } from "./native-config.ts";

// A prefix or exact path without a leading "/" never matches a request path.

function native(path: string, match = "") {
  return parseNativeConfig(
    `listeners:
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: /p/c.crt, key: /p/c.key, clientAuth: "off" }
    routes:
      - { path: ${JSON.stringify(path)},${match ? ` match: ${match},` : ""} return: { status: 204 } }
      - { path: /, return: { status: 404 } }
`,
    { file: "/p/gw.yaml" },
  );
}

test("a native route path without a leading slash is an error with the fixed path as hint", () => {
  const r = native("web");
  assert.equal(r.config, undefined);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.message, d.hint, d.location?.line]),
    [
      [
        "error",
        'listeners[0].routes[0].path: must start with "/" unless match is regex or regex_i, got "web"',
        'did you mean "/web"? (a path without "/" never matches a request)',
        5,
      ],
    ],
  );
});

test("an exact native route path without a leading slash is an error too", () => {
  assert.match(native("health", "exact").diagnostics[0]?.message ?? "", /must start with "\/"/);
});

test("a regex native route path needs no leading slash", () => {
  assert.deepEqual(native("\\.php$", "regex").diagnostics, []);
});

function nginx(location: string) {
  return importNginx(
    parseNginx(
      `server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate /p/c.crt;
    ssl_certificate_key /p/c.key;
    location ${location} { return 204; }
    location / { return 404; }
}
`,
      { file: "/p/gw.conf" },
    ),
  );
}

test("an nginx location without a leading slash is accepted with a warning", () => {
  const r = nginx("web");
  assert.ok(r.config);
  const w = r.diagnostics.filter((d) => d.message.includes("never matches"));
  assert.deepEqual(
    w.map((d) => [d.severity, d.message, d.location?.line, d.location?.column]),
    [["warning", 'Location "web" never matches: request paths start with "/"', 5, 14]],
  );
});

test("nginx regex and named locations do not get the leading slash warning", () => {
  for (const loc of ["~ \\.php$", "@fallback"]) {
    assert.deepEqual(
      nginx(loc).diagnostics.filter((d) => d.message.includes("never matches")),
      [],
      loc,
    );
  }
});
