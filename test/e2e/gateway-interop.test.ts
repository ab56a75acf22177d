import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { runMtls } from "../helpers/cli.ts";
import { freePort } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startHeadersEcho } from "../helpers/upstream.ts";

// Interop (issue 5, "Proof"): one gateway from a seed-like nginx config, with a TLS 1.2 and
// a TLS 1.3 listener, answered by curl, openssl s_client, Python 3 `ssl` and `mtls request`;
// nginx 1.22 runs the same blocks and is asked the same 24 questions.

/** The seed's server block (fixed), once per protocol, forwarding the client's identity. */
function seedBlocks(ports: {
  readonly echo: number;
  readonly tls12: number;
  readonly tls13: number;
}): string {
  const block = (port: number, protocols: string) => `server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;
    ${protocols}
    ssl_prefer_server_ciphers on;
    location / {
        proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;
        proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
        proxy_set_header X-SSL-Protocol $ssl_protocol;
        proxy_pass http://127.0.0.1:${ports.echo};
    }
}
`;
  return `${block(ports.tls12, "ssl_protocols TLSv1.2;\n    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256;")}${block(ports.tls13, "ssl_protocols TLSv1.3;")}`;
}

type Who = "valid" | "none" | "rogue";

/** What a client got, reduced to the status and either the upstream's view or the error page title. */
interface Outcome {
  readonly status: string;
  readonly seen: string;
}

/** Reduces an HTTP/1.1 response text to an {@link Outcome}. */
function outcome(response: string): Outcome {
  const status = /HTTP\/1\.1 (\d{3} [^\r\n]*)/.exec(response)?.[1] ?? `no response: ${response}`;
  const json = /\{"[^\n]*\}/.exec(response)?.[0];
  if (json) {
    const h = JSON.parse(json) as Record<string, string>;
    return {
      status,
      seen: `${h["x-ssl-client-s-dn"]} ${h["x-ssl-client-verify"]} ${h["x-ssl-protocol"]}`,
    };
  }
  return { status, seen: /<title>([^<]*)<\/title>/.exec(response)?.[1] ?? response };
}

function certFiles(pki: OpensslPki, who: Who): readonly [string, string] | null {
  if (who === "valid") return [pki.clientCert, pki.clientKey];
  if (who === "rogue") return [pki.rogueClientCert, pki.rogueClientKey];
  return null;
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: 20_000 }, (_err, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
  });
}

const PYTHON = `
import http.client, ssl, sys
port, ca, cert, key = sys.argv[1:5]
context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
if cert:
    context.load_cert_chain(certfile=cert, keyfile=key)
conn = http.client.HTTPSConnection("127.0.0.1", int(port), timeout=20, context=context)
conn.request("GET", "/test_url", headers={"accept": "application/json"})
resp = conn.getresponse()
print("HTTP/1.1", resp.status, resp.reason)
print(resp.read().decode())
`;

/** The four clients: each sends GET /test_url to 127.0.0.1:PORT and returns the response text. */
const CLIENTS: Readonly<
  Record<string, (pki: OpensslPki, port: number, who: Who) => Promise<string>>
> = {
  curl: (pki, port, who) => {
    const c = certFiles(pki, who);
    return run("curl", [
      "-sS",
      "-i",
      "--max-time",
      "10",
      "--cacert",
      pki.caCert,
      ...(c ? ["--cert", c[0], "--key", c[1]] : []),
      `https://127.0.0.1:${port}/test_url`,
    ]);
  },
  "openssl s_client": (pki, port, who) => {
    const c = certFiles(pki, who);
    return sClient(
      [
        "-connect",
        `127.0.0.1:${port}`,
        "-CAfile",
        pki.caCert,
        "-verify_return_error",
        ...(c ? ["-cert", c[0], "-key", c[1]] : []),
      ],
      "GET /test_url HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
  },
  "python3 ssl": (pki, port, who) => {
    const c = certFiles(pki, who);
    return run("python3", ["-c", PYTHON, String(port), pki.caCert, c?.[0] ?? "", c?.[1] ?? ""]);
  },
  "mtls request": async (pki, port, who) => {
    const c = certFiles(pki, who);
    const r = await runMtls([
      "request",
      `https://127.0.0.1:${port}/test_url`,
      "-i",
      "--cacert",
      pki.caCert,
      ...(c ? ["--cert", c[0], "--key", c[1]] : []),
    ]);
    return `${r.stdout}${r.stderr}`;
  },
};

test("curl, openssl s_client, Python ssl and mtls request get the same answers from the gateway as from nginx 1.22 over TLS 1.2 and 1.3", async (t) => {
  for (const peer of ["openssl", "curl", "python3", "nginx"]) if (!requirePeer(t, peer)) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const ports = {
    echo: await startHeadersEcho(t),
    tls12: await freePort(),
    tls13: await freePort(),
  };
  const file = join(dir, "seed.conf");
  writeFileSync(file, seedBlocks(ports));
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const nginxPorts = { echo: ports.echo, tls12: await freePort(), tls13: await freePort() };
  const ng = await startNginx(t, {
    dir,
    http: seedBlocks(nginxPorts),
    ports: [nginxPorts.tls12, nginxPorts.tls13],
  });
  if (!ng) return;
  const servers = {
    gateway: { "TLSv1.2": ports.tls12, "TLSv1.3": ports.tls13 },
    "nginx 1.22": { "TLSv1.2": nginxPorts.tls12, "TLSv1.3": nginxPorts.tls13 },
  } as const;
  const expected: Readonly<Record<Who, (protocol: string) => Outcome>> = {
    valid: (protocol) => ({ status: "200 OK", seen: `CN=client-1 SUCCESS ${protocol}` }),
    none: () => ({ status: "400 Bad Request", seen: "400 No required SSL certificate was sent" }),
    rogue: () => ({ status: "400 Bad Request", seen: "400 The SSL certificate error" }),
  };
  const mismatches: string[] = [];
  let count = 0;
  for (const [server, byProtocol] of Object.entries(servers)) {
    for (const protocol of ["TLSv1.2", "TLSv1.3"] as const) {
      const port = byProtocol[protocol];
      for (const [client, ask] of Object.entries(CLIENTS)) {
        for (const who of ["valid", "none", "rogue"] as const) {
          const text = await ask(pki, port, who);
          const got = outcome(text);
          count++;
          try {
            assert.deepEqual(got, expected[who](protocol));
            // s_client names what it negotiated: the listener's protocol, whoever the client is.
            if (client === "openssl s_client") assert.match(text, new RegExp(`New, ${protocol}`));
          } catch {
            mismatches.push(
              `${server} ${protocol} / ${client} / ${who}: ${JSON.stringify(got)}\n${text}`,
            );
          }
        }
      }
    }
  }
  assert.equal(count, 48);
  assert.deepEqual(mismatches, [], mismatches.join("\n\n"));
});
