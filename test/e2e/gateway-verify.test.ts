import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { makeCaTree as makeTree } from "../helpers/openssl-ca-tree.ts";
import { requirePeer } from "../helpers/peers.ts";
import { startGatewayFromText, startSideBySide } from "../helpers/side-by-side.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startHeadersEcho } from "../helpers/upstream.ts";

// Differential scenarios for client verification: the same server blocks in nginx 1.22 and
// in the gateway, the same clients (curl), and the same status line, body class and
// $ssl_client_* values at the upstream.

const VARIABLES = [
  "ssl_client_verify",
  "ssl_client_s_dn",
  "ssl_client_i_dn",
  "ssl_client_serial",
  "ssl_client_fingerprint",
  "ssl_client_v_end",
  "ssl_client_s_dn_legacy",
  "ssl_client_i_dn_legacy",
  "ssl_client_escaped_cert",
  "ssl_client_v_start",
  "ssl_client_v_remain",
] as const;
const header = (v: string) => `x-v-${v.replaceAll("_", "-")}`;

/** Clients: curl arguments relative to the PKI directory. */
const CLIENTS: Readonly<Record<string, readonly string[]>> = {
  valid: ["--cert", "valid.crt", "--key", "valid.key"],
  none: [],
  expired: ["--cert", "expired.crt", "--key", "expired.key"],
  notyet: ["--cert", "notyet.crt", "--key", "notyet.key"],
  noeku: ["--cert", "noeku.crt", "--key", "noeku.key"],
  revoked: ["--cert", "revoked.crt", "--key", "revoked.key"],
  "leaf1+int1": ["--cert", "leaf1-chain.crt", "--key", "leaf1.key"],
  "leaf1 alone": ["--cert", "leaf1.crt", "--key", "leaf1.key"],
  "leaf2+int2+int1": ["--cert", "leaf2-chain.crt", "--key", "leaf2.key"],
  stranger: ["--cert", "stranger.crt", "--key", "stranger.key"],
};

/** Server variants: the lines that differ. */
const VARIANTS: Readonly<Record<string, string>> = {
  on: "ssl_verify_client on;\n    ssl_client_certificate root.crt;",
  "on depth 2":
    "ssl_verify_client on;\n    ssl_client_certificate root.crt;\n    ssl_verify_depth 2;",
  "on crl": "ssl_verify_client on;\n    ssl_client_certificate root.crt;\n    ssl_crl root.crl;",
  "on trusted int1":
    "ssl_verify_client on;\n    ssl_client_certificate root.crt;\n    ssl_trusted_certificate int1.crt;",
  optional: "ssl_verify_client optional;\n    ssl_client_certificate root.crt;",
  optional_no_ca: "ssl_verify_client optional_no_ca;\n    ssl_client_certificate root.crt;",
};

function block(listen: string, variant: string, echo: number): string {
  return `server {
    listen ${listen} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ${variant}
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
${VARIABLES.map((v) => `        proxy_set_header ${header(v)} $${v};`).join("\n")}
        proxy_pass http://127.0.0.1:${echo};
    }
}
`;
}

interface Outcome {
  readonly status: string;
  /** The upstream's view (200) or the error page title. */
  readonly body: unknown;
}

function curl(dir: string, args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", "--cacert", "root.crt", ...args],
      { cwd: dir, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          resolve({ status: `curl failed: ${stderr.trim()}`, body: undefined });
          return;
        }
        const cut = stdout.indexOf("\r\n\r\n");
        const status = stdout.slice(0, stdout.indexOf("\r\n"));
        const text = stdout.slice(cut + 4);
        if (status.includes(" 200 ")) {
          const h = JSON.parse(text) as Record<string, string>;
          resolve({ status, body: Object.fromEntries(VARIABLES.map((v) => [v, h[header(v)]])) });
        } else {
          resolve({ status, body: /<title>([^<]*)<\/title>/.exec(text)?.[1] });
        }
      },
    );
  });
}

test("client verification matches nginx 1.22: dates, EKU, CRL, depth, trusted CAs, optional, optional_no_ca", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeTree(dir);
  const echo = await startHeadersEcho(t);
  const both = await startSideBySide(t, {
    dir,
    blocks: Object.fromEntries(
      Object.entries(VARIANTS).map(([name, variant]) => [
        name,
        (listen: string) => block(listen, variant, echo),
      ]),
    ),
    startOurs: (name, text) =>
      startGatewayFromText(t, { file: join(dir, `${name.replaceAll(" ", "-")}.conf`), text }),
  });
  if (!both) return;
  const { ports, nginx: ng } = both;
  const table: string[] = [];
  const mismatches: string[] = [];
  for (const [variant, p] of Object.entries(ports)) {
    for (const [client, args] of Object.entries(CLIENTS)) {
      const url = (port: number) => `https://localhost:${port}/`;
      const ours = await curl(dir, [...args, url(p.ours)]);
      const theirs = await curl(dir, [...args, url(p.theirs)]);
      const verify = (o: Outcome) =>
        (o.body as { ssl_client_verify?: string } | undefined)?.ssl_client_verify ?? String(o.body);
      table.push(`${variant} / ${client}: ${theirs.status} ${verify(theirs)}`);
      try {
        assert.deepEqual(ours, theirs);
      } catch {
        mismatches.push(
          `${variant} / ${client}:\n  nginx: ${JSON.stringify(theirs)}\n  ours:  ${JSON.stringify(ours)}`,
        );
      }
    }
  }
  assert.deepEqual(mismatches, [], `${mismatches.join("\n")}\n${ng.stderr}`);
  // The nginx behaviour the notes describe, pinned so a change in either side shows.
  const row = (s: string) => table.find((l) => l.startsWith(s)) ?? "";
  assert.match(row("on / expired:"), /400 Bad Request 400 The SSL certificate error/);
  assert.match(row("on / leaf1+int1:"), /200 OK SUCCESS/);
  assert.match(row("on / leaf2+int2+int1:"), /400 Bad Request/);
  assert.match(row("on depth 2 / leaf2+int2+int1:"), /200 OK SUCCESS/);
  assert.match(row("on crl / revoked:"), /400 Bad Request/);
  assert.match(row("on crl / valid:"), /200 OK SUCCESS/);
  assert.match(row("optional / none:"), /200 OK NONE/);
  assert.match(row("optional_no_ca / stranger:"), /200 OK FAILED:self-signed certificate/);
});
