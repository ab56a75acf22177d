import assert from "node:assert/strict";
import { test } from "node:test";
import type { Diagnostic } from "../diagnostic.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const MINIMAL = `
    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
`;
const LOCATION = `
    location / {
        proxy_ssl_trusted_certificate ca.crt;
        proxy_ssl_verify on;
        proxy_pass https://127.0.0.1:8080;
    }
`;

function imp(body: string, location = LOCATION) {
  return importNginx(parseNginx(`server {${body}${location}}\n`, { file: "/etc/gw/gw.conf" }));
}

function errors(ds: readonly Diagnostic[]): string[] {
  return ds
    .filter((d) => d.severity === "error")
    .map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`);
}

test("importNginx() reads the fixed seed block into the native model", () => {
  const { config, diagnostics } = imp(
    `
    listen 8000 ssl;
    listen [::]:8000 ssl;
    server_name gw.example.test;
    ssl_certificate /abs/server.crt;
    ssl_certificate_key cert/server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;
    ssl_prefer_server_ciphers on;
    error_log logs/error.log warn;
`,
    `
    location / {
        proxy_ssl_certificate client.crt;
        proxy_ssl_certificate_key client.key;
        proxy_ssl_trusted_certificate ca.crt;
        proxy_ssl_verify on;
        proxy_ssl_session_reuse off;
        proxy_pass https://upstream.test:8080;
    }
`,
  );
  assert.deepEqual(errors(diagnostics), []);
  const s = config?.servers[0];
  assert.deepEqual(
    s?.listen.map((l) => [l.host, l.port, l.ipv6, l.ssl]),
    [
      ["0.0.0.0", 8000, false, true],
      ["::", 8000, true, true],
    ],
  );
  assert.deepEqual(s?.serverNames, ["gw.example.test"]);
  assert.equal(s?.tls.certificate.path, "/abs/server.crt");
  assert.equal(s?.tls.certificateKey.path, "/etc/gw/cert/server.key");
  assert.deepEqual(s?.tls.certificateKey.location, {
    file: "/etc/gw/gw.conf",
    line: 6,
    column: 25,
  });
  assert.equal(s?.tls.clientCertificate?.path, "/etc/gw/ca.crt");
  assert.equal(s?.tls.verifyClient, "on");
  assert.deepEqual(s?.tls.sessionCache, { kind: "shared", name: "SSL", bytes: 1048576 });
  assert.equal(s?.tls.sessionTimeoutSeconds, 300);
  assert.deepEqual(s?.tls.protocols, ["TLSv1.2"]);
  assert.equal(s?.tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  assert.equal(s?.tls.preferServerCiphers, true);
  assert.deepEqual(s?.errorLog && { file: s.errorLog.file, level: s.errorLog.level }, {
    file: "/etc/gw/logs/error.log",
    level: "warn",
  });
  const l = s?.locations[0];
  assert.equal(l?.path, "/");
  assert.deepEqual(l?.proxyPass && { ...l.proxyPass, location: undefined }, {
    url: "https://upstream.test:8080",
    protocol: "https",
    host: "upstream.test",
    port: 8080,
    proxyHost: "upstream.test:8080",
    location: undefined,
  });
  assert.equal(l?.upstreamTls.certificate?.path, "/etc/gw/client.crt");
  assert.equal(l?.upstreamTls.verify, true);
  assert.equal(l?.upstreamTls.sessionReuse, false);
});

test("importNginx() applies nginx 1.22 defaults", () => {
  const { config, diagnostics } = imp(MINIMAL, "location / { proxy_pass https://[::1]; }");
  const s = config?.servers[0];
  assert.deepEqual(s?.tls.protocols, ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.equal(s?.tls.ciphers, "HIGH:!aNULL:!MD5");
  assert.deepEqual(s?.tls.sessionCache, { kind: "none" });
  assert.equal(s?.tls.sessionTimeoutSeconds, 300);
  assert.equal(s?.tls.preferServerCiphers, false);
  assert.equal(s?.locations[0]?.upstreamTls.verify, false);
  assert.equal(s?.locations[0]?.upstreamTls.sessionReuse, true);
  assert.equal(s?.locations[0]?.proxyPass?.proxyHost, "[::1]");
  assert.equal(s?.locations[0]?.proxyPass?.port, 443);
  const warnings = diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);
  // The default's TLSv1/TLSv1.1 are not warned about (every config would be); OpenSSL 3 skips them.
  assert.ok(!warnings.some((w) => w.startsWith("Protocols")));
  assert.ok(
    warnings.some((w) =>
      w.startsWith("Upstream certificate is NOT verified: proxy_ssl_verify is off"),
    ),
  );
});

test("importNginx() warns that TLSv1 and TLSv1.1 listed in ssl_protocols will not be negotiated", () => {
  const { diagnostics } = imp(`${MINIMAL} ssl_protocols TLSv1 TLSv1.1 TLSv1.2;`);
  const w = diagnostics.find((d) => d.severity === "warning" && d.message.startsWith("Protocols"));
  assert.equal(
    w?.message,
    "Protocols TLSv1 and TLSv1.1 will not be negotiated: OpenSSL 3 allows them only at security level 0",
  );
});

test("importNginx() reads every ssl_session_cache and ssl_session_timeout form", () => {
  const cache = (v: string) =>
    imp(`${MINIMAL} ssl_session_cache ${v};`).config?.servers[0]?.tls.sessionCache;
  assert.deepEqual(cache("off"), { kind: "off" });
  assert.deepEqual(cache("none"), { kind: "none" });
  assert.deepEqual(cache("builtin"), { kind: "builtin", sessions: 20480 });
  assert.deepEqual(cache("builtin:1000"), { kind: "builtin", sessions: 1000 });
  assert.deepEqual(cache("builtin:1000 shared:Z:10m"), {
    kind: "shared",
    name: "Z",
    bytes: 10485760,
  });
  const timeout = (v: string) =>
    imp(`${MINIMAL} ssl_session_timeout ${v};`).config?.servers[0]?.tls.sessionTimeoutSeconds;
  assert.equal(timeout("300s"), 300);
  assert.equal(timeout("1h"), 3600);
  assert.equal(timeout("90"), 90);
  assert.equal(timeout("1h30m"), 5400);
});

test("importNginx() reports bad values at the argument's column", () => {
  const { diagnostics } = imp(`${MINIMAL}    ssl_session_cache shared:SSL;
    ssl_session_timeout 5x;
    ssl_verify_client maybe;
    ssl_prefer_server_ciphers yes;
    ssl_protocols TLSv1 TLSv1.2;
    listen 70000 ssl;
`);
  assert.deepEqual(errors(diagnostics), [
    '7:23 Invalid value for "ssl_session_cache": "shared:SSL", expecting shared:NAME:SIZE, e.g. shared:SSL:1m',
    '8:25 Invalid value for "ssl_session_timeout": "5x", expecting a time in seconds, e.g. 300, 300s, 5m, 1h',
    '9:5 Directive "ssl_verify_client" is duplicate: first set at line 6',
    '10:31 Invalid value for "ssl_prefer_server_ciphers": "yes", expecting "on" or "off"',
    "11:5 Protocols must form a contiguous range: got TLSv1 TLSv1.2",
    '12:12 Invalid value for "listen": "70000", expecting a port from 0 to 65535, e.g. 8000 or 127.0.0.1:8000',
  ]);
});

test("importNginx() refuses ssl_verify_client on without ssl_client_certificate, like nginx 1.22", () => {
  const { diagnostics } = imp(MINIMAL.replace("ssl_client_certificate ca.crt;", ""));
  assert.deepEqual(errors(diagnostics), [
    '6:5 Directive "ssl_verify_client on" needs "ssl_client_certificate": no CA to verify client certificates against',
  ]);
});

test("importNginx() refuses proxy_ssl_verify on without proxy_ssl_trusted_certificate", () => {
  const { diagnostics } = imp(
    MINIMAL,
    "location / {\n proxy_ssl_verify on;\n proxy_pass https://a:1;\n}",
  );
  assert.deepEqual(errors(diagnostics), [
    '8:2 Directive "proxy_ssl_verify on" needs "proxy_ssl_trusted_certificate": no CA to verify the upstream against',
  ]);
});

test("importNginx() names unsupported and misplaced directives instead of ignoring them", () => {
  const { diagnostics } = imp(`${MINIMAL}    add_header X-A b;
    proxy_pass https://a:1;
    ssl_certficate x;
`);
  const es = errors(diagnostics);
  assert.equal(es[0], '7:5 Directive "add_header" is not supported by mtlskit yet');
  assert.equal(
    es[1],
    '8:5 Directive "proxy_pass" is not allowed in server: it belongs in location',
  );
  assert.equal(es[2], '9:5 Unknown directive "ssl_certficate"');
});

test("importNginx() explains the BOM that makes the first directive unknown", () => {
  const { diagnostics } = importNginx(parseNginx("\uFEFFserver {}\n"));
  assert.match(
    errors(diagnostics)[0] ?? "",
    /^1:1 Unknown directive "\uFEFFserver": the file starts with a UTF-8 byte order mark/,
  );
});

test("importNginx() points at a missing semicolon when arguments run onto the next line", () => {
  const { diagnostics } = imp(
    `${MINIMAL}    ssl_ciphers HIGH\n    ssl_prefer_server_ciphers on;\n`,
  );
  const d = diagnostics.find((x) => x.message.startsWith('Directive "ssl_ciphers"'));
  assert.equal(d?.hint, '";" is probably missing at the end of line 7');
});

test("importNginx() refuses ssl on with a hint to use listen ... ssl when no listen has it", () => {
  const { diagnostics } = imp(`${MINIMAL.replace("8000 ssl", "8000")}    ssl on;\n`);
  const d = diagnostics.find((x) => x.message.startsWith('Directive "ssl" is refused'));
  assert.equal(
    d?.hint,
    'remove it and add the "ssl" parameter to each listen, e.g. `listen 8000 ssl;`',
  );
});

test("importNginx() refuses a duplicate location and error_log outside server", () => {
  const { diagnostics } = imp(
    MINIMAL,
    `${LOCATION}    location / {\n        error_log x.log;\n        proxy_pass https://b:2;\n    }\n`,
  );
  assert.deepEqual(errors(diagnostics), [
    '13:5 Duplicate location "/": first defined at line 8',
    '14:9 Directive "error_log" is not allowed in location: it belongs in server',
  ]);
});

test("importNginx() never throws on any mix of known directives, values and braces", async () => {
  const fc = (await import("fast-check")).default;
  const words = [
    "server",
    "location",
    "/",
    "listen",
    "8000",
    "[::]:8000",
    "ssl",
    "on",
    "off",
    "optional",
    "ssl_certificate",
    "a.crt",
    "ssl_session_cache",
    "shared:S:1m",
    "builtin:0",
    "none",
    "ssl_session_timeout",
    "5m",
    "ssl_protocols",
    "TLSv1.2",
    "SSLv3",
    "proxy_pass",
    "https://a:1",
    "http://[::1]",
    "error_log",
    "stderr",
    "ssl_verify_client",
    "proxy_ssl_verify",
    "{",
    "}",
    ";",
    "\uFF1B",
    "#",
    '"x y"',
    "\n",
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 40 }), (parts) => {
      const r = importNginx(parseNginx(parts.join(" ")));
      assert.ok(r.config !== undefined || r.diagnostics.some((d) => d.severity === "error"));
    }),
    { numRuns: 300 },
  );
});

test("importNginx() reads proxy_set_header with nginx inheritance: a location's own list replaces the server's", () => {
  const { config, diagnostics } = imp(
    `${MINIMAL}    proxy_set_header X-Client-DN $ssl_client_s_dn;
    mtls_identity_headers xfcc;
    location /own {
        proxy_set_header X-Verify "$ssl_client_verify:\${ssl_client_serial}x";
        mtls_identity_headers nginx;
        proxy_pass http://127.0.0.1:8081;
    }
`,
  );
  assert.deepEqual(errors(diagnostics), []);
  const [own, inherited] = config?.servers[0]?.locations ?? [];
  assert.deepEqual(
    own?.proxySetHeaders?.map((h) => [h.name, h.value]),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx ${name} syntax
    [["X-Verify", "$ssl_client_verify:${ssl_client_serial}x"]],
  );
  assert.equal(own?.identityHeaders, "nginx");
  assert.deepEqual(
    inherited?.proxySetHeaders?.map((h) => [h.name, h.value]),
    [["X-Client-DN", "$ssl_client_s_dn"]],
  );
  assert.equal(inherited?.identityHeaders, "xfcc");
});

test("importNginx() refuses unknown variables and bad presets at their column", () => {
  const { diagnostics } = imp(`${MINIMAL}    proxy_set_header X-A "a $ssl_client_sdn";
    proxy_set_header X-B $;
    mtls_identity_headers envoy;
`);
  assert.deepEqual(errors(diagnostics), [
    '7:29 Unknown "ssl_client_sdn" variable',
    '8:26 Invalid variable name ""',
    '9:27 Invalid value for "mtls_identity_headers": "envoy", expecting "off", "nginx" or "xfcc"',
  ]);
});

test("importNginx() warns that hop-by-hop proxy_set_header lines are ignored", () => {
  const { diagnostics } = imp(`${MINIMAL}    proxy_set_header Connection "";
`);
  assert.match(
    diagnostics.find((d) => d.severity === "warning" && d.message.includes("Connection"))
      ?.message ?? "",
    /hop-by-hop/,
  );
});

test("importNginx() reads ssl_verify_depth, ssl_trusted_certificate, ssl_crl and optional_no_ca without a CA", () => {
  const { config, diagnostics } = imp(`
    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_verify_client optional_no_ca;
    ssl_trusted_certificate int.crt;
    ssl_verify_depth 2;
    ssl_crl crl/ca.crl;
`);
  assert.deepEqual(errors(diagnostics), []);
  const tls = config?.servers[0]?.tls;
  assert.equal(tls?.verifyClient, "optional_no_ca");
  assert.equal(tls?.verifyDepth, 2);
  assert.equal(tls?.trustedCertificate?.path, "/etc/gw/int.crt");
  assert.equal(tls?.crl?.path, "/etc/gw/crl/ca.crl");
});

test("importNginx() defaults ssl_verify_depth to 1 and refuses a non-number", () => {
  assert.equal(imp(MINIMAL).config?.servers[0]?.tls.verifyDepth, 1);
  assert.deepEqual(errors(imp(`${MINIMAL}    ssl_verify_depth two;\n`).diagnostics), [
    '7:22 Invalid value for "ssl_verify_depth": "two", expecting a number',
  ]);
});

test("importNginx() reads a whole nginx.conf: http, upstream blocks, several servers, location modifiers, return", () => {
  const text = `user www-data;
worker_processes auto;
events { }
http {
    upstream backend {
        server 10.0.0.1:8443 weight=2;
        server [::1]:8443 max_fails=3;
        keepalive 16;
    }
    server {
        listen 8443 ssl default_server;
        server_name a.example.test;
        ssl_certificate a.crt;
        ssl_certificate_key a.key;
        ssl_client_certificate ca.crt;
        ssl_verify_client on;
        client_max_body_size 10m;
        location = /health { return 200 "ok $ssl_client_verify"; }
        location ~* \\.php$ { return 403; }
        location ^~ /old/ { return 301 https://new.example.test$request_uri; }
        location / {
            proxy_pass https://backend;
            proxy_ssl_server_name on;
            proxy_ssl_name backend.internal;
            proxy_http_version 1.1;
            proxy_read_timeout 5s;
            proxy_ssl_trusted_certificate ca.crt;
            proxy_ssl_verify on;
        }
    }
    server {
        listen 8443 ssl;
        server_name *.b.example.test;
        ssl_certificate b.crt;
        ssl_certificate_key b.key;
        return 404;
    }
}
`;
  const { config, diagnostics } = importNginx(parseNginx(text, { file: "/etc/nginx/nginx.conf" }));
  assert.deepEqual(errors(diagnostics), []);
  assert.equal(config?.servers.length, 2);
  assert.deepEqual(config?.upstreams?.[0], {
    name: "backend",
    servers: [
      {
        host: "10.0.0.1",
        port: 8443,
        weight: 2,
        location: { file: "/etc/nginx/nginx.conf", line: 6, column: 9 },
      },
      {
        host: "::1",
        port: 8443,
        weight: 1,
        location: { file: "/etc/nginx/nginx.conf", line: 7, column: 9 },
      },
    ],
    keepalive: 16,
    location: { file: "/etc/nginx/nginx.conf", line: 5, column: 5 },
  });
  const [a, b] = config?.servers ?? [];
  assert.equal(a?.listen[0]?.defaultServer, true);
  assert.deepEqual(
    a?.locations.map((l) => [l.match, l.path, l.return?.status, l.return?.text]),
    [
      ["exact", "/health", 200, "ok $ssl_client_verify"],
      ["regex_i", "\\.php$", 403, undefined],
      ["prefix_no_regex", "/old/", 301, "https://new.example.test$request_uri"],
      ["prefix", "/", undefined, undefined],
    ],
  );
  const root = a?.locations[3];
  assert.equal(root?.proxyPass?.upstream, "backend");
  assert.equal(root?.upstreamTls.serverName, true);
  assert.equal(root?.upstreamTls.name, "backend.internal");
  assert.deepEqual(root?.proxy, { httpVersion: "1.1", readTimeoutMs: 5000 });
  assert.equal(root?.clientMaxBodySize, 10 * 1024 * 1024);
  assert.equal(b?.return?.status, 404);
  assert.ok(diagnostics.some((d) => d.message.startsWith('Directive "events" is ignored')));
});

test("importNginx() refuses bad returns, bad location modifiers and an empty upstream at their position", () => {
  const { diagnostics } = importNginx(
    parseNginx(
      `upstream empty { }
server {
    listen 8443 ssl;
    ssl_certificate a.crt;
    ssl_certificate_key a.key;
    location @named { return 200; }
    location / { return teapot; }
    location ~ "([" { return 404; }
}
`,
      { file: "gw.conf" },
    ),
  );
  const es = errors(diagnostics);
  assert.equal(es[0], '1:1 Upstream "empty" has no server');
  assert.equal(es[1], '7:25 Invalid return code "teapot"');
  assert.match(es[2] ?? "", /^8:16 Invalid regular expression "\(\[" in location/);
});

test("importNginx() resolves access_log formats: the server's own, else the http block's, combined by default", () => {
  const text = `http {
    log_format mtls escape=json '$remote_addr '
                                '$ssl_client_s_dn';
    access_log /var/log/gw.log;
    server {
        listen 8443 ssl;
        ssl_certificate a.crt;
        ssl_certificate_key a.key;
        access_log logs/mtls.log mtls;
        location / { return 200; }
    }
    server {
        listen 8444 ssl;
        ssl_certificate a.crt;
        ssl_certificate_key a.key;
        location / { return 200; }
    }
}
`;
  const { config, diagnostics } = importNginx(parseNginx(text, { file: "/etc/nginx/nginx.conf" }));
  assert.deepEqual(errors(diagnostics), []);
  const [a, b] = config?.servers ?? [];
  assert.deepEqual(
    [a?.accessLog?.file, a?.accessLog?.format, a?.accessLog?.escape],
    ["/etc/nginx/logs/mtls.log", "$remote_addr $ssl_client_s_dn", "json"],
  );
  assert.equal(b?.accessLog?.formatName, "combined");
  assert.equal(b?.accessLog?.file, "/var/log/gw.log");
});

test("importNginx() refuses an unknown log format and unknown variables in log_format", () => {
  const { diagnostics } = importNginx(
    parseNginx(
      `log_format x '$ssl_client_sdn';
server {
    listen 8443 ssl;
    ssl_certificate a.crt;
    ssl_certificate_key a.key;
    access_log a.log nope;
    location / { return 200; }
}
`,
      { file: "gw.conf" },
    ),
  );
  assert.deepEqual(errors(diagnostics), [
    '1:15 Unknown "ssl_client_sdn" variable',
    '6:22 Unknown log format "nope"',
  ]);
});

test("importNginx() reports only the syntax errors of a file cut in the middle of a block", () => {
  const whole = `server {
    listen 127.0.0.1:8000 ssl;
    location / {
        proxy_ssl_verify on;
        proxy_pass https://127.0.0.1:9;
    }
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
}
`;
  // Cut at every character inside the server block: never a "missing" error before the syntax one.
  for (let cut = whole.indexOf("{") + 1; cut < whole.lastIndexOf("}"); cut++) {
    const { config, diagnostics } = importNginx(
      parseNginx(whole.slice(0, cut), { file: "gw.conf" }),
    );
    assert.equal(config, undefined);
    const errors = diagnostics.filter((d) => d.severity === "error");
    assert.ok(errors.length > 0, `cut at ${cut}`);
    assert.ok(
      errors.every((d) => d.code === "MTLS_CONFIG_SYNTAX"),
      `cut at ${cut}: ${errors.map((d) => d.message).join(" / ")}`,
    );
    assert.ok(
      diagnostics.every(
        (d) => !/has no|needs|not requested|NOT verified|incomplete/.test(d.message),
      ),
      `cut at ${cut}: ${diagnostics.map((d) => d.message).join(" / ")}`,
    );
  }
});

test("importNginx() still checks the values a truncated file does contain", () => {
  const { diagnostics } = importNginx(
    parseNginx("server {\n    listen 127.0.0.1:99999 ssl;\n    ssl_certif", { file: "gw.conf" }),
  );
  assert.deepEqual(
    diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.code}`),
    ["2:12 MTLS_CONFIG_INVALID", "3:5 MTLS_CONFIG_SYNTAX", "3:5 MTLS_CONFIG_SYNTAX"],
  );
});
