import assert from "node:assert/strict";
import { test } from "node:test";
import type { Diagnostic } from "../diagnostic.ts";
import { importNginx } from "./import.ts";
import { expandIncludes, glob } from "./include.ts";
import { parseNginx } from "./parser.ts";

/** An in-memory file tree: path → text; directories are implied. */
function fsOf(files: Record<string, string>) {
  const readFile = (p: string): Buffer => {
    const f = files[p];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
    return Buffer.from(f);
  };
  const readDir = (dir: string): string[] => {
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of Object.keys(files)) {
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split("/")[0] as string);
    }
    if (names.size === 0) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return [...names];
  };
  const isFile = (p: string) => files[p] !== undefined;
  return { readFile, readDir, isFile };
}

const show = (ds: readonly Diagnostic[]) =>
  ds.map(
    (d) =>
      `${d.severity} ${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.message}`,
  );

const SERVER = (port: number, extra = "") => `server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;${extra}
    location / { return 200; }
}
`;

const DEBIAN = `events {}
http {
    include mime.types;
    default_type application/octet-stream;
    include conf.d/*.conf;
}
`;

test("a Debian-style nginx.conf imports its conf.d/*.conf servers in byte order, mime.types ignored with a warning", () => {
  const fs = fsOf({
    "/etc/nginx/nginx.conf": DEBIAN,
    "/etc/nginx/mime.types": "types {\n    text/html html htm;\n    image/png png;\n}\n",
    "/etc/nginx/conf.d/b.conf": SERVER(8002),
    "/etc/nginx/conf.d/a.conf": SERVER(8001),
    "/etc/nginx/conf.d/.hidden.conf": SERVER(8009),
    "/etc/nginx/conf.d/readme.txt": "not included",
  });
  const parsed = expandIncludes(parseNginx(DEBIAN, { file: "/etc/nginx/nginx.conf" }), fs);
  const { config, diagnostics } = importNginx(parsed);
  assert.deepEqual(
    config?.servers.map((s) => [s.listen[0]?.port, s.tls.certificate.path, s.location?.file]),
    [
      [8001, "/etc/nginx/server.crt", "/etc/nginx/conf.d/a.conf"],
      [8002, "/etc/nginx/server.crt", "/etc/nginx/conf.d/b.conf"],
    ],
  );
  assert.deepEqual(
    show(diagnostics).filter((l) => l.includes("MIME") || l.includes("events")),
    [
      'warning /etc/nginx/nginx.conf:1:1 Directive "events" is ignored: mtlskit runs one process and needs no event settings',
      'warning /etc/nginx/mime.types:1:1 Directive "types" is ignored: the gateway proxies and serves no files, so MIME types are unused',
      'warning /etc/nginx/nginx.conf:4:5 Directive "default_type" is ignored: the gateway proxies and serves no files, so MIME types are unused',
    ],
  );
});

test("errors inside an included file carry that file's name, line and column", () => {
  const fs = fsOf({
    "/etc/nginx/nginx.conf": DEBIAN,
    "/etc/nginx/mime.types": "types {}\n",
    "/etc/nginx/conf.d/api.conf": SERVER(
      8001,
      "\n    ssl_verify_client sometimes;\n    ssl_ciphers;",
    ),
  });
  const parsed = expandIncludes(parseNginx(DEBIAN, { file: "/etc/nginx/nginx.conf" }), fs);
  const errors = show(importNginx(parsed).diagnostics).filter((l) => l.startsWith("error"));
  assert.deepEqual(errors, [
    'error /etc/nginx/conf.d/api.conf:5:5 Directive "ssl_verify_client on" needs "ssl_client_certificate": no CA to verify client certificates against',
    'error /etc/nginx/conf.d/api.conf:5:23 Invalid value for "ssl_verify_client": "sometimes", expecting "on", "off", "optional" or "optional_no_ca"',
    'error /etc/nginx/conf.d/api.conf:6:5 Directive "ssl_ciphers" takes 1 argument, got 0',
  ]);
});

test("relative includes resolve against the main file's directory; a missing file is an error at the include, a mask matching nothing is not", () => {
  const fs = fsOf({
    "/etc/nginx/nginx.conf": "http { include sites/*.conf; include extra/server.conf; }\n",
    "/etc/nginx/extra/server.conf": "include snippets/tls.conf;\n",
  });
  const text = "http { include sites/*.conf; include extra/server.conf; }\n";
  const parsed = expandIncludes(parseNginx(text, { file: "/etc/nginx/nginx.conf" }), fs);
  assert.deepEqual(show(parsed.diagnostics), [
    "error /etc/nginx/extra/server.conf:1:9 Cannot include /etc/nginx/snippets/tls.conf: no such file",
  ]);
});

test("an include loop and a wrong argument count are errors at the include", () => {
  const fs = fsOf({
    "/c/main.conf": "include a.conf;\ninclude;\n",
    "/c/a.conf": "include b.conf;\n",
    "/c/b.conf": "include a.conf;\n",
  });
  const parsed = expandIncludes(
    parseNginx("include a.conf;\ninclude;\n", { file: "/c/main.conf" }),
    fs,
  );
  assert.deepEqual(show(parsed.diagnostics), [
    "error /c/b.conf:1:9 Include loop: /c/a.conf includes itself (main.conf → a.conf → b.conf → a.conf)",
    'error /c/main.conf:2:1 Invalid number of arguments in "include": expecting 1 (a file or a mask), got 0',
  ]);
});

test("glob() expands masks in any path component like glob(3)", () => {
  const fs = fsOf({
    "/e/sites/a/x.conf": "",
    "/e/sites/b/x.conf": "",
    "/e/sites/b/y.conf": "",
    "/e/sites/B/x.conf": "",
  });
  assert.deepEqual(glob("/e/sites/*/x.conf", fs.readDir, fs.isFile), [
    "/e/sites/B/x.conf",
    "/e/sites/a/x.conf",
    "/e/sites/b/x.conf",
  ]);
  assert.deepEqual(glob("/e/sites/[ab]/?.conf", fs.readDir, fs.isFile), [
    "/e/sites/a/x.conf",
    "/e/sites/b/x.conf",
    "/e/sites/b/y.conf",
  ]);
  assert.deepEqual(glob("/e/none/*.conf", fs.readDir, fs.isFile), []);
});
