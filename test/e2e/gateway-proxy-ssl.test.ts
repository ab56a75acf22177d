import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { listenUntilEnd } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

// proxy_ssl_verify_depth, proxy_ssl_protocols, proxy_ssl_ciphers: the same locations in
// nginx 1.22 and in the gateway, against the same upstreams, give the same status.

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** root → int1 → int2 → leaf (localhost); `chain.crt` is leaf + int2 + int1. */
function makeDeepChain(dir: string): void {
  writeFileSync(
    join(dir, "ca.ext"),
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
  );
  writeFileSync(join(dir, "leaf.ext"), "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    dir,
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "root.key",
      "-out",
      "root.crt",
      "-subj",
      "/CN=Deep Root",
    ].concat(["-days", "3", "-addext", "basicConstraints=critical,CA:TRUE"]),
  );
  const issue = (name: string, cn: string, issuer: string, ext: string) => {
    openssl(dir, [
      "req",
      "-new",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-subj",
      `/CN=${cn}`,
      "-out",
      `${name}.csr`,
    ]);
    openssl(
      dir,
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        `${issuer}.crt`,
        "-CAkey",
        `${issuer}.key`,
      ].concat(["-CAcreateserial", "-extfile", ext, "-days", "3", "-out", `${name}.crt`]),
    );
  };
  issue("int1", "Deep Int 1", "root", "ca.ext");
  issue("int2", "Deep Int 2", "int1", "ca.ext");
  issue("leaf", "localhost", "int2", "leaf.ext");
  writeFileSync(
    join(dir, "chain.crt"),
    Buffer.concat(["leaf", "int2", "int1"].map((n) => readFileSync(join(dir, `${n}.crt`)))),
  );
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("proxy_ssl_verify_depth, proxy_ssl_protocols and proxy_ssl_ciphers: same statuses as nginx", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeDeepChain(dir);
  const cert = readFileSync(join(dir, "chain.crt"));
  const key = readFileSync(join(dir, "leaf.key"));
  const answer = (_req: unknown, res: { end: (s: string) => void }) => res.end("upstream\n");
  const deep = await listenUntilEnd(t, createServer({ cert, key }, answer));
  // A second upstream: nginx keeps the session of a handshake whose verification failed
  // and resumes it for another location proxying to the same peer (verify result 20
  // included), so /depth-2 on the same port as /depth-default would fail in nginx at any depth.
  const deep2 = await listenUntilEnd(t, createServer({ cert, key }, answer));
  const only13 = await listenUntilEnd(
    t,
    createServer({ cert, key, minVersion: "TLSv1.3" }, answer),
  );
  const only12 = await listenUntilEnd(
    t,
    createServer(
      { cert, key, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" },
      answer,
    ),
  );
  const loc = (path: string, port: number, extra: string) =>
    ` location = ${path} {\n  proxy_ssl_name localhost;\n${extra}\n  proxy_pass https://127.0.0.1:${port};\n }\n`;
  const verify = "  proxy_ssl_verify on;\n  proxy_ssl_trusted_certificate root.crt;";
  const body = (listen: string) => `server {
 listen ${listen} ssl;
 ssl_certificate leaf.crt;
 ssl_certificate_key leaf.key;
${loc("/depth-default", deep, verify)}
${loc("/depth-2", deep2, `${verify}\n  proxy_ssl_verify_depth 2;`)}
${loc("/tls13-default", only13, "")}
${loc("/tls13-listed", only13, "  proxy_ssl_protocols TLSv1.2 TLSv1.3;")}
${loc("/cipher-other", only12, "  proxy_ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384;")}
${loc("/cipher-same", only12, "  proxy_ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;")}
}
`;
  const ng = await startNginx(t, { dir, http: body });
  if (!ng) return;
  writeFileSync(join(dir, "gw.conf"), body("127.0.0.1:0"));
  const { config, material } = loadNginxGateway(join(dir, "gw.conf"));
  const gwLog: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => gwLog.push(l) });
  t.after(() => gw.close());
  const expected: Record<string, number> = {
    "/depth-default": 502,
    "/depth-2": 200,
    "/tls13-default": 502,
    "/tls13-listed": 200,
    "/cipher-other": 502,
    "/cipher-same": 200,
  };
  const got = { nginx: {} as Record<string, number>, gateway: {} as Record<string, number> };
  for (const path of Object.keys(expected)) {
    got.nginx[path] = await status(ng.port, path);
    got.gateway[path] = await status(gw.addresses[0]?.port ?? 0, path);
  }
  assert.deepEqual(
    got,
    { nginx: expected, gateway: expected },
    `${ng.stderr}\n${gwLog.join("\n")}`,
  );
});
