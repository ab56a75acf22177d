import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { listenUntilEnd } from "../helpers/net.ts";
import { issueWithOpenssl, makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** A client certificate from the test CA, made by the openssl CLI, with the given SANs. */
function issueClient(dir: string, name: string, subject: string, san?: string): string[] {
  const { cert, key } = issueWithOpenssl(dir, name, {
    issuer: "ca",
    subject,
    ext: `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n${san ? `subjectAltName=${san}\n` : ""}`,
  });
  return ["--cert", cert, "--key", key];
}

/** curl's status code (`%{http_code}`) and body for one request. */
function curl(args: readonly string[]): Promise<{ status: string; body: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args],
      { encoding: "utf8" },
      (_err, stdout, stderr) => {
        const cut = stdout.lastIndexOf("\n");
        resolve({ status: stdout.slice(cut + 1), body: stdout.slice(0, cut), stderr });
      },
    );
  });
}

test("mtls_allow and mtls_deny decide per location from curl's verified certificates", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const web = issueClient(
    dir,
    "web",
    "/O=Example Corp/OU=payments/CN=web-1",
    "URI:spiffe://example.org/ns/prod/sa/web,DNS:web-1.prod.example.org",
  );
  const api = issueClient(dir, "api", "/CN=api-1", "URI:spiffe://example.org/ns/prod/sa/api");
  const banned = issueClient(dir, "banned", "/CN=banned", "URI:spiffe://example.org/ns/dev/sa/web");
  const deep = issueClient(dir, "deep", "/CN=deep", "URI:spiffe://example.org/ns/a/b/sa/web");
  const rogue = ["--cert", pki.rogueClientCert, "--key", pki.rogueClientKey];
  const proxied: string[] = [];
  const echo = await listenUntilEnd(
    t,
    createServer((req, res) => {
      proxied.push(req.url ?? "");
      req.resume();
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end("{}");
    }),
  );
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client optional_no_ca;
    location /web/ {
        mtls_allow san_uri=spiffe://example.org/ns/*/sa/web;
        mtls_deny cn=banned;
        proxy_pass http://127.0.0.1:${echo};
    }
    location /payments/ {
        mtls_allow "o=example corp" ou=payments san_dns=*.prod.example.org;
        return 200 payments;
    }
    location /verified/ {
        mtls_deny san_uri=spiffe://example.org/ns/prod/**;
        return 200 verified;
    }
    location /open/ {
        return 200 open;
    }
}
`,
  );
  const { config, material } = loadNginxGateway(file);
  const lines: string[] = [];
  const gw = await startGateway(config, {
    material,
    log: (l) => lines.push(l),
    logLevel: "error",
  });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port;
  const get = async (who: string[], path: string) => {
    const r = await curl(["--cacert", pki.caCert, ...who, `https://127.0.0.1:${port}${path}`]);
    return [
      r.status,
      r.body.includes("<title>") ? "page" : r.body.startsWith("{") ? "proxied" : r.body,
    ];
  };
  const cases: [string, string[], string, [string, string]][] = [
    ["the SPIFFE ID matches ns/*/sa/web", web, "/web/x", ["200", "proxied"]],
    ["another service account is not allowed", api, "/web/x", ["403", "page"]],
    ["deny wins over a matching allow", banned, "/web/x", ["403", "page"]],
    ["* is one segment only", deep, "/web/x", ["403", "page"]],
    ["an unverified certificate never matches", rogue, "/web/x", ["403", "page"]],
    ["no certificate never matches", [], "/web/x", ["403", "page"]],
    ["every key of a rule matches", web, "/payments/", ["200", "payments"]],
    ["a rule with one key missing refuses", api, "/payments/", ["403", "page"]],
    ["without allow rules a verified client passes", banned, "/verified/", ["200", "verified"]],
    ["** matches the rest of the path", web, "/verified/", ["403", "page"]],
    ["without allow rules an unverified client is refused", rogue, "/verified/", ["403", "page"]],
    ["a location without rules leaves it to ssl_verify_client", rogue, "/open/", ["200", "open"]],
  ];
  for (const [name, who, path, expected] of cases) {
    await t.test(`${name}: ${path} → ${expected.join(" ")}`, async () => {
      assert.deepEqual(await get(who, path), expected);
    });
  }

  await t.test(
    "refused requests are never proxied, logged with a plain reason and counted",
    async () => {
      assert.deepEqual(proxied, ["/web/x"], "only the allowed request reached the upstream");
      const metrics = await gw.metrics.registry.metrics();
      const count = (reason: string, location: string) =>
        new RegExp(
          `mtls_gateway_authorization_denied_total\\{reason="${reason}",location="${location}"\\} (\\d+)`,
        ).exec(metrics)?.[1];
      assert.deepEqual(
        [
          count("no allow rule", "/web/"),
          count("deny rule", "/web/"),
          count("not verified", "/web/"),
          count("no certificate", "/web/"),
          count("no allow rule", "/payments/"),
          count("deny rule", "/verified/"),
          count("not verified", "/verified/"),
        ],
        ["2", "1", "1", "1", "1", "1", "1"],
      );
      assert.match(metrics, /mtls_gateway_requests_total\{status="403"\} 8/);
      const forbidden = lines.filter((l) => l.includes("access forbidden"));
      assert.equal(forbidden.length, 8);
      assert.ok(
        forbidden.some((l) =>
          l.includes(
            `[error] ${process.pid}#0: *3 access forbidden: client certificate "CN=banned" matches deny rule "cn=banned" (${file}:9), client: 127.0.0.1, server: , request: "GET /web/x HTTP/1.1", host: "127.0.0.1:${port}"`,
          ),
        ),
        forbidden.join("\n"),
      );
      assert.ok(
        forbidden.some((l) =>
          l.includes('access forbidden: client certificate "CN=intruder" is not verified'),
        ),
      );
    },
  );
});
