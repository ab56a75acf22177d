import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { freePort, listenUntilEnd } from "../helpers/net.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** GET over mTLS with client-1's certificate; `name` is both the SNI name and the Host. */
async function get(
  pki: OpensslPki,
  port: number,
  path: string,
  name = "localhost",
): Promise<Answer> {
  const { status, body } = await getOn(pki, port, path, { name, agent: false });
  return { status, body };
}

/** {@link get} through `agent` (a keep-alive one keeps the connection); also returns the `Connection` header. */
function getOn(
  pki: OpensslPki,
  port: number,
  path: string,
  options: { readonly name?: string; readonly agent: Agent | false },
): Promise<Answer & { readonly connection: string }> {
  const name = options.name ?? "localhost";
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        servername: name,
        headers: { host: name },
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
        checkServerIdentity: () => undefined,
        agent: options.agent,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection ?? "" }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * A plain HTTP upstream answering `NAME <path> <x-tag header>`; `/slow` waits for
 * `release()`, and `arrived` resolves when a `/slow` request got there.
 */
async function startUpstream(t: TestContext, name: string) {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let arrivedNow = () => {};
  const arrived = new Promise<void>((r) => {
    arrivedNow = r;
  });
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    const answer = () => {
      res.writeHead(200, { "content-type": "text/plain", connection: "close" });
      res.end(`${name} ${req.url} ${req.headers["x-tag"] ?? "-"}`);
    };
    if (req.url === "/slow") {
      arrivedNow();
      void released.then(answer);
    } else answer();
  });
  t.after(() => release());
  const port = await listenUntilEnd(t, server);
  return { port, release, arrived };
}

function conf(options: {
  readonly listen: string;
  readonly upstream: number;
  readonly text: string;
  readonly tag: string;
  readonly allow: string;
  readonly extra?: string;
}): string {
  return `server {
    listen ${options.listen} ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    location /text { return 200 "${options.text}"; }
    location /slow { proxy_pass http://127.0.0.1:${options.upstream}; }
    location /proxy {
        proxy_set_header X-Tag ${options.tag};
        proxy_pass http://127.0.0.1:${options.upstream};
    }
    location /guarded {
        mtls_allow cn=${options.allow};
        return 200 "guarded";
    }
}
${options.extra ?? ""}`;
}

test("SIGHUP applies a new return, proxy_pass, proxy_set_header and mtls_allow to new requests while a slow request in flight finishes on the old upstream and then closes its keep-alive connection", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const a = await startUpstream(t, "A");
  const b = await startUpstream(t, "B");
  const file = join(dir, "gw.conf");
  const listen = "127.0.0.1:0";
  writeFileSync(
    file,
    conf({ listen, upstream: a.port, text: "old", tag: "old", allow: "client-1" }),
  );
  const gw = spawnGateway(t, ["--nginx", file]);
  const { port } = await gw.addresses();
  assert.deepEqual(await get(pki, port, "/text"), { status: 200, body: "old" });
  assert.deepEqual(await get(pki, port, "/proxy"), { status: 200, body: "A /proxy old" });
  assert.equal((await get(pki, port, "/guarded")).status, 200);

  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const slow = getOn(pki, port, "/slow", { agent });
  await a.arrived;
  writeFileSync(
    file,
    conf({ listen, upstream: b.port, text: "new", tag: "new", allow: "someone-else" }),
  );
  gw.child.kill("SIGHUP");
  await gw.waitFor("mtls: SIGHUP received, reloading the configuration\nmtls: reloaded\n");
  assert.doesNotMatch(gw.stderr(), /warning|failed/);

  assert.deepEqual(await get(pki, port, "/text"), { status: 200, body: "new" });
  assert.deepEqual(await get(pki, port, "/proxy"), { status: 200, body: "B /proxy new" });
  assert.equal((await get(pki, port, "/guarded")).status, 403);
  a.release();
  assert.deepEqual(
    await slow,
    { status: 200, body: "A /slow -", connection: "close" },
    "the old upstream answers, and the keep-alive connection from before the reload closes after it",
  );
  assert.equal((await getOn(pki, port, "/text", { agent })).body, "new");

  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});

test("SIGHUP adds a server block on the same listen address, and refuses a changed listen address naming it while the old configuration keeps serving", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const a = await startUpstream(t, "A");
  const file = join(dir, "gw.conf");
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const base = { listen, upstream: a.port, text: "first", tag: "t", allow: "client-1" };
  writeFileSync(file, conf(base));
  const gw = spawnGateway(t, ["--nginx", file]);
  await gw.addresses();
  assert.deepEqual(await get(pki, port, "/text", "other.test"), { status: 200, body: "first" });

  writeFileSync(
    file,
    conf({
      ...base,
      extra: `server {
    listen ${listen} ssl;
    server_name other.test;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    location / { return 200 "other block"; }
}
`,
    }),
  );
  gw.child.kill("SIGHUP");
  await gw.waitFor(/mtls: reloaded\n/);
  assert.deepEqual(await get(pki, port, "/text", "other.test"), {
    status: 200,
    body: "other block",
  });
  assert.deepEqual(await get(pki, port, "/text"), { status: 200, body: "first" });

  const moved = await freePort();
  writeFileSync(file, conf({ ...base, listen: `127.0.0.1:${moved}`, text: "moved" }));
  gw.child.kill("SIGHUP");
  const line = await gw.waitFor(
    /mtls: reload failed, keeping the running configuration: [^\n]*\n/,
    {
      stderr: true,
    },
  );
  assert.equal(
    line,
    `mtls: reload failed, keeping the running configuration: Cannot reload: the listen addresses changed (127.0.0.1:${moved} added; 127.0.0.1:${port} removed), a reload keeps the running sockets and binds no new ones, restart to apply it\n`,
  );
  assert.deepEqual(await get(pki, port, "/text"), { status: 200, body: "first" });
  assert.deepEqual(await get(pki, port, "/text", "other.test"), {
    status: 200,
    body: "other block",
  });

  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});

test("with 2 workers SIGHUP applies a new location in every worker after the primary checked it, and the primary refuses a changed listen address", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const a = await startUpstream(t, "A");
  const file = join(dir, "gw.conf");
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const base = { listen, upstream: a.port, text: "old $pid", tag: "t", allow: "client-1" };
  writeFileSync(file, conf(base));
  const gw = spawnGateway(t, ["--nginx", file, "--workers", "2"]);
  await gw.addresses();
  await gw.waitFor(/mtls: 2 workers running: \d+ \d+\n/);

  writeFileSync(file, conf({ ...base, text: "new $pid" }));
  gw.child.kill("SIGHUP");
  await gw.waitFor("mtls: reloaded (2 of 2 workers)\n");
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const answer = await get(pki, port, "/text");
    assert.match(answer.body, /^new \d+$/, "every worker answers with the new location");
    pids.add(answer.body);
  }
  assert.equal(pids.size, 2, "both workers answered");

  writeFileSync(file, conf({ ...base, listen: "127.0.0.1:1", text: "moved" }));
  gw.child.kill("SIGHUP");
  await gw.waitFor(
    `mtls: reload failed, keeping the running configuration: Cannot reload: the listen addresses changed (127.0.0.1:1 added; 127.0.0.1:${port} removed)`,
    { stderr: true },
  );
  assert.match((await get(pki, port, "/text")).body, /^new \d+$/);
  assert.doesNotMatch(gw.stderr(), /in a worker/, "the workers were not asked");

  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});
