import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import type { GatewayConfig } from "../config.ts";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

// nginx → model → native YAML → model: both models mean the same. Every nginx fixture in
// test/fixtures/nginx/round-trip/ is checked; add a file there to cover a new directive.

const FIXTURES = new URL("../../../test/fixtures/nginx/round-trip/", import.meta.url);

/**
 * The value with what does not change behaviour taken out: where a setting was written
 * (`location`, `source`, `setting`), and the documented differences of native mode —
 * TLS 1.2 and 1.3 only, upstream TLS settings of plain-text upstreams, `proxy_http_version`
 * (mtlskit always speaks HTTP/1.1 upstream), an unset `serverName` (SNI for DNS names
 * either way), no error log (printed as the native default: stderr at warn), the name of an access log format, weights written as repeated servers.
 */
function meaning(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) {
    const items = key === "protocols" ? v.filter((p) => p === "TLSv1.2" || p === "TLSv1.3") : v;
    return items.map((x) => meaning(x));
  }
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  const plainUpstream =
    ("proxyPass" in o || "match" in o || "upstream" in o) &&
    !(
      (o.proxyPass as { protocol?: string } | undefined)?.protocol === "https" ||
      (o.upstream as { protocol?: string } | undefined)?.protocol === "tls"
    );
  const drop = new Set(["location", "source", "setting", "httpVersion", "formatName"]);
  if (plainUpstream) drop.add("upstreamTls");
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (drop.has(k) || x === undefined) continue;
    out[k] = meaning(x, k);
  }
  if (key === "upstreamTls") out.serverName ??= true;
  // nginx mode without error_log logs nothing; the printed YAML shows the native default.
  if ("tls" in o && "listen" in o) out.errorLog ??= { file: "stderr", level: "warn" };
  if (key === "upstreams" || (Array.isArray(o.servers) && "name" in o)) {
    out.servers = (o.servers as { host: string; port: number; weight: number }[]).flatMap((s) =>
      Array.from({ length: s.weight }, () => ({ host: s.host, port: s.port })),
    );
  }
  return out;
}

function roundTrip(nginx: string, file: string) {
  const imported = importNginx(parseNginx(nginx, { file }));
  assert.deepEqual(
    imported.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    [],
  );
  assert.ok(imported.config);
  const yaml = printNativeConfig(imported.config);
  const back = parseNativeConfig(yaml, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, [], yaml);
  assert.ok(back.config);
  return { before: imported.config, after: back.config, yaml };
}

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

const proxyFlags = (c: GatewayConfig) =>
  c.servers[0]?.listen.map((l) => [l.port, l.proxyProtocol === true]);

test("a listen with proxy_protocol next to one without keeps its own proxyProtocol", () => {
  const { before, after, yaml } = roundTrip(fixture("mixed-proxy-protocol.conf"), "/p/gw.conf");
  assert.deepEqual(proxyFlags(before), [
    [19444, false],
    [19445, true],
  ]);
  assert.deepEqual(proxyFlags(after), proxyFlags(before), yaml);
  assert.match(
    yaml,
    /- 127\.0\.0\.1:19444\n\s+- address: 127\.0\.0\.1:19445\n\s+proxyProtocol: true/,
  );
  assert.doesNotMatch(yaml, /^ {4}proxyProtocol: true$/m);
});

test("proxy_protocol on every listen prints one listener-wide proxyProtocol", () => {
  const text = fixture("mixed-proxy-protocol.conf").replace(
    "19444 ssl;",
    "19444 ssl proxy_protocol;",
  );
  const { after, yaml } = roundTrip(text, "/p/gw.conf");
  assert.match(yaml, /^ {4}proxyProtocol: true$/m);
  assert.deepEqual(proxyFlags(after), [
    [19444, true],
    [19445, true],
  ]);
});

test("a listen entry's own proxyProtocol: false wins over the listener's", () => {
  const yaml = `listeners:
  - listen: ["127.0.0.1:1", { address: "127.0.0.1:2", proxyProtocol: false }]
    proxyProtocol: true
    tls: { certificate: /p/c.crt, key: /p/c.key, clientAuth: "off" }
    routes: [{ path: /, return: { status: 204 } }]
`;
  const back = parseNativeConfig(yaml, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, []);
  assert.ok(back.config);
  assert.deepEqual(proxyFlags(back.config), [
    [1, true],
    [2, false],
  ]);
});

test("a shared session cache keeps its zone and size through the native YAML", () => {
  const { after, yaml } = roundTrip(fixture("full-server.conf"), "/p/gw.conf");
  assert.match(yaml, /sessionCache: shared/);
  assert.deepEqual(after.servers[0]?.tls.sessionCache, {
    kind: "shared",
    name: "SSL",
    bytes: 10 * 1024 * 1024,
  });
});

for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith(".conf"))) {
  test(`${name} means the same after print and parse`, () => {
    const { before, after, yaml } = roundTrip(fixture(name), `/p/${name}`);
    assert.deepEqual(meaning(after), meaning(before), yaml);
  });
}
