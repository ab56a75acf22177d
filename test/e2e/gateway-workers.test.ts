import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { sClient } from "../helpers/s-client.ts";
import { tempDir } from "../helpers/tmp.ts";

const REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

function conf(dir: string): string {
  copyFileSync(join(dir, "ca.crt"), join(dir, "trust.crt"));
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate trust.crt;
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "pid=$pid verify=$ssl_client_verify reused=$ssl_session_reused\\n"; }
}
`,
  );
  return file;
}

interface Visit {
  readonly reused: boolean;
  readonly pid: string | undefined;
  readonly status: string | undefined;
}

/** One TLS 1.2 connection with `openssl s_client`, saving or offering a session file. */
async function visit(
  port: number,
  pki: OpensslPki,
  o: {
    readonly out?: string;
    readonly in?: string;
    readonly noTicket: boolean;
    readonly cert?: "good" | "rogue";
  },
): Promise<Visit> {
  const cert =
    o.cert === "good"
      ? ["-cert", pki.clientCert, "-key", pki.clientKey]
      : o.cert === "rogue"
        ? ["-cert", pki.rogueClientCert, "-key", pki.rogueClientKey]
        : [];
  const out = await sClient(
    [
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      pki.caCert,
      "-tls1_2",
      "-ign_eof",
      ...cert,
      ...(o.noTicket ? ["-no_ticket"] : []),
      ...(o.out ? ["-sess_out", o.out] : []),
      ...(o.in ? ["-sess_in", o.in] : []),
    ],
    REQUEST,
  );
  return {
    reused: /^Reused, TLSv1\.2/m.test(out),
    pid: /pid=(\d+)/.exec(out)?.[1],
    status: /^HTTP\/1\.1 (\d+)/m.exec(out)?.[1],
  };
}

test("with 2 workers every TLS 1.2 resumption succeeds whichever worker answers, keeps its verdict, and none survives a SIGHUP with a changed CA", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const gw = spawnGateway(t, ["--nginx", conf(dir), "--workers", "2", "--admin", "127.0.0.1:0"]);
  const { port, admin } = await gw.addresses();
  assert.match(gw.stdout(), /mtls: 2 workers running: \d+ \d+\n/);
  for (const noTicket of [false, true]) {
    const mode = noTicket ? "session ID (shared cache)" : "session ticket (shared keys)";
    const session = join(dir, `session-${noTicket}.pem`);
    const first = await visit(port, pki, { out: session, noTicket, cert: "good" });
    assert.equal(first.status, "200", mode);
    const pids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const again = await visit(port, pki, { in: session, noTicket });
      assert.equal(again.reused, true, `${mode}: reconnection ${i + 1} resumed`);
      assert.equal(again.status, "200", `${mode}: reconnection ${i + 1} kept the verified verdict`);
      if (again.pid) pids.add(again.pid);
    }
    assert.equal(pids.size, 2, `${mode}: both workers resumed sessions`);
    const rogue = join(dir, `rogue-${noTicket}.pem`);
    assert.equal((await visit(port, pki, { out: rogue, noTicket, cert: "rogue" })).status, "400");
    for (let i = 0; i < 4; i++) {
      const again = await visit(port, pki, { in: rogue, noTicket, cert: "good" });
      assert.deepEqual(
        [again.reused, again.status],
        [true, "400"],
        `${mode}: a rogue session stays refused`,
      );
    }
  }
  const metrics = await (await fetch(`${admin}/metrics`)).text();
  const resumed = Number(
    /mtls_gateway_handshakes_total\{result="resumed",reason=""\} (\d+)/.exec(metrics)?.[1],
  );
  assert.ok(resumed >= 48, `metrics summed over the workers: ${resumed} resumed handshakes`);

  writeFileSync(
    join(dir, "trust.crt"),
    readFileSync(pki.caCert, "utf8") + readFileSync(pki.rogueCaCert, "utf8"),
  );
  gw.child.kill("SIGHUP");
  await gw.waitFor("mtls: reloaded (2 of 2 workers)");
  for (const noTicket of [false, true]) {
    for (let i = 0; i < 6; i++) {
      const old = await visit(port, pki, { in: join(dir, `session-${noTicket}.pem`), noTicket });
      assert.equal(
        old.reused,
        false,
        `no session from the old trust resumes (no_ticket=${noTicket})`,
      );
      assert.equal(old.status, "400", "a full handshake without a certificate");
    }
  }
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
  assert.match(gw.stdout(), /mtls: drained 2 workers in \d+ ms/);
});

test("a crashed worker is logged and replaced, and the gateway keeps answering", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const gw = spawnGateway(t, ["--nginx", conf(dir), "--workers", "2", "--admin", "127.0.0.1:0"]);
  const { port, admin } = await gw.addresses();
  const pids = /2 workers running: (\d+) (\d+)/.exec(gw.stdout());
  const victim = Number(pids?.[1]);
  process.kill(victim, "SIGKILL");
  await gw.waitFor(
    new RegExp(`mtls: worker ${victim} exited on signal SIGKILL, starting a new one in 100 ms\\n`),
  );
  await gw.waitFor(/(mtls: worker \d+ listening\n[\s\S]*){3}/);
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const v = await visit(port, pki, { noTicket: true, cert: "good" });
    assert.equal(v.status, "200");
    if (v.pid) seen.add(v.pid);
  }
  assert.equal(seen.has(String(victim)), false);
  assert.equal(seen.size, 2, "the new worker answers too");
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});

test("--workers refuses a value that is not a count or auto", async (t) => {
  const gw = spawnGateway(t, ["--nginx", "x.conf", "--workers", "0"]);
  assert.equal(await gw.exited, 2);
  assert.match(
    gw.stderr(),
    /Invalid --workers value: "0", expecting a number from 1 to 1024 or "auto"/,
  );
});

test("a worker that cannot listen stops the start: its error, then the primary's, exit status 1", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => taken.close(() => r())));
  const port = (taken.address() as AddressInfo).port;
  const file = conf(dir);
  writeFileSync(file, readFileSync(file, "utf8").replace("127.0.0.1:0", `127.0.0.1:${port}`));
  const gw = spawnGateway(t, ["--nginx", file, "--workers", "2"]);
  assert.equal(await gw.exited, 1);
  assert.match(
    gw.stderr(),
    new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`),
  );
  assert.match(
    gw.stderr(),
    /mtls: Cannot start the gateway: worker \d+ exited with code 1 before listening\n {2}hint: its error is printed above\n$/,
  );
});
