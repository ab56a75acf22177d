import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeCaTree } from "../helpers/openssl-ca-tree.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";

const REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/** Default ssl_verify_depth (1): leaf1 (one intermediate) passes, leaf2 (two) is refused. */
function conf(dir: string, strict: boolean): string {
  const file = join(dir, `gateway-${strict}.conf`);
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate root.crt;
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_protocols TLSv1.2 TLSv1.3;
${strict ? "    mtls_reject_in_handshake on;\n" : ""}    location / { return 200 "pid=$pid verify=$ssl_client_verify reused=$ssl_session_reused\\n"; }
}
`,
  );
  return file;
}

const MODES = [
  { name: "TLS 1.2 session ID", args: ["-tls1_2", "-no_ticket"] },
  { name: "TLS 1.2 ticket", args: ["-tls1_2"] },
  { name: "TLS 1.3 ticket", args: ["-tls1_3"] },
] as const;

interface Visit {
  readonly reused: boolean;
  readonly pid: string | undefined;
  readonly status: string | undefined;
}

async function visit(
  dir: string,
  port: number,
  o: {
    readonly leaf: "leaf1" | "leaf2";
    readonly args: readonly string[];
    readonly out?: string;
    readonly in?: string;
    /** false: the handshake only, no request (nothing else lets the verdict be taken). */
    readonly request?: false;
  },
): Promise<Visit> {
  const out = await sClient(
    [
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      join(dir, "root.crt"),
      "-cert",
      join(dir, `${o.leaf}.crt`),
      // -cert sends only the first certificate of a file: the intermediates come from here.
      "-cert_chain",
      join(dir, `${o.leaf}-chain.crt`),
      "-key",
      join(dir, `${o.leaf}.key`),
      ...o.args,
      ...(o.out ? ["-sess_out", o.out] : []),
      ...(o.in ? ["-sess_in", o.in] : []),
    ],
    o.request === false ? undefined : REQUEST,
  );
  return {
    reused: /^Reused, TLSv1\.[23]/m.test(out),
    pid: /pid=(\d+)/.exec(out)?.[1],
    status: /HTTP\/1\.1 (\d+)/.exec(out)?.[1],
  };
}

test("with 2 workers a client refused for ssl_verify_depth on one worker cannot resume into a pass on another, while a client within the depth resumes on both", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeCaTree(dir);
  const gw = spawnGateway(t, ["--nginx", conf(dir, false), "--workers", "2"]);
  const { port } = await gw.addresses();
  for (const mode of MODES) {
    const deep = join(dir, `deep-${mode.args.join("")}.pem`);
    const first = await visit(dir, port, { leaf: "leaf2", args: mode.args, out: deep });
    assert.equal(first.status, "400", `${mode.name}: refused in the full handshake`);
    for (let i = 0; i < 10; i++) {
      const again = await visit(dir, port, { leaf: "leaf2", args: mode.args, in: deep });
      assert.equal(again.status, "400", `${mode.name}: resumption ${i + 1} still refused`);
    }
    // The verdict is taken at the handshake: a client that sends no request leaves its
    // refusal behind too.
    const quiet = join(dir, `quiet-${mode.args.join("")}.pem`);
    await visit(dir, port, { leaf: "leaf2", args: mode.args, out: quiet, request: false });
    if (existsSync(quiet)) {
      for (let i = 0; i < 4; i++) {
        const again = await visit(dir, port, { leaf: "leaf2", args: mode.args, in: quiet });
        assert.equal(again.status, "400", `${mode.name}: quiet session ${i + 1} refused`);
      }
    }
    const good = join(dir, `good-${mode.args.join("")}.pem`);
    const ok = await visit(dir, port, { leaf: "leaf1", args: mode.args, out: good });
    assert.equal(ok.status, "200", `${mode.name}: leaf1 is within the depth`);
    const pids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const again = await visit(dir, port, { leaf: "leaf1", args: mode.args, in: good });
      assert.deepEqual(
        [again.reused, again.status],
        [true, "200"],
        `${mode.name}: leaf1 resumption ${i + 1}`,
      );
      if (again.pid) pids.add(again.pid);
    }
    assert.equal(pids.size, 2, `${mode.name}: both workers resumed leaf1`);
  }
});

test("with 2 workers in strict mode a client refused for ssl_verify_depth gets no session at all, while a client within the depth resumes on both workers", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeCaTree(dir);
  const gw = spawnGateway(t, ["--nginx", conf(dir, true), "--workers", "2"]);
  const { port } = await gw.addresses();
  for (const mode of MODES) {
    const deep = join(dir, `strict-${mode.args.join("")}.pem`);
    const first = await visit(dir, port, { leaf: "leaf2", args: mode.args, out: deep });
    assert.equal(first.status, undefined, `${mode.name}: refused in the handshake`);
    // The server's last flight (Finished, NewSessionTicket) is held and dropped: the client
    // has no session to resume, whichever worker it reaches next.
    assert.equal(existsSync(deep), false, `${mode.name}: no session issued`);
  }
  const good = join(dir, "strict-good.pem");
  assert.equal(
    (await visit(dir, port, { leaf: "leaf1", args: ["-tls1_2"], out: good })).status,
    "200",
  );
  const pids = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const again = await visit(dir, port, { leaf: "leaf1", args: ["-tls1_2"], in: good });
    assert.deepEqual([again.reused, again.status], [true, "200"], `leaf1 resumption ${i + 1}`);
    if (again.pid) pids.add(again.pid);
  }
  assert.equal(pids.size, 2, "both workers resumed leaf1 in strict mode");
});
