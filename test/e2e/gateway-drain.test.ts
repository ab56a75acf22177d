import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect, type TLSSocket } from "node:tls";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { listenUntilEnd } from "../helpers/net.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** An upstream that holds every request until the test releases it. */
async function slowUpstream(t: TestContext) {
  const held: ServerResponse[] = [];
  const arrivals: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    held.push(res);
    for (const a of arrivals.splice(0)) a();
  });
  const port = await listenUntilEnd(t, server);
  return {
    port,
    /** Resolves once `n` requests have arrived. */
    arrived: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (held.length >= n ? resolve() : arrivals.push(check));
        check();
      }),
    release: () => {
      for (const res of held.splice(0)) res.end("slow answer\n");
    },
  };
}

function gatewayConf(dir: string, upstream: number): string {
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    location / {
        proxy_pass http://127.0.0.1:${upstream};
    }
}
`,
  );
  return file;
}

interface Reply {
  readonly status: number;
  readonly connection: string | undefined;
  readonly body: string;
}

function get(port: number, pki: OpensslPki, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/",
        servername: "localhost",
        ca: readFileSync(pki.caCert),
        agent,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A TLS connection that completes its handshake and sends nothing; resolves when the gateway closes it. */
async function idleConnection(port: number, pki: OpensslPki): Promise<{ closed: Promise<void> }> {
  const socket: TLSSocket = connect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    ca: readFileSync(pki.caCert),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  socket.resume();
  return { closed: new Promise<void>((r) => socket.once("close", () => r())) };
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
    s.once("secureConnect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
}

test("SIGTERM drains: readyz turns 503 at once, new connections are refused, the request in flight completes with Connection: close", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const up = await slowUpstream(t);
  const gw = spawnGateway(t, [
    "--nginx",
    gatewayConf(dir, up.port),
    "--admin",
    "127.0.0.1:0",
    "--drain-timeout",
    "60",
  ]);
  const { port, admin } = await gw.addresses();
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const inFlight = get(port, pki, agent);
  await up.arrived(1);
  const idle = await idleConnection(port, pki);
  gw.child.kill("SIGTERM");
  await gw.waitFor("SIGTERM received, closing: draining (deadline 60 s)");
  assert.equal(
    (await fetch(`${admin}/readyz`)).status,
    503,
    "not ready as soon as the drain starts",
  );
  await idle.closed;
  assert.equal(await connectError(port), "ECONNREFUSED", "no new connection is accepted");
  assert.equal(gw.child.exitCode, null, "still running while a request is in flight");
  up.release();
  const reply = await inFlight;
  assert.deepEqual(reply, { status: 200, connection: "close", body: "slow answer\n" });
  assert.equal(await gw.exited, 0);
  assert.match(
    gw.stdout(),
    /mtls: drained in \d+ ms: 2 connections and 1 requests in flight at the start, 1 requests completed, 0 connections closed at the deadline\n$/,
  );
});

test("the drain deadline closes a stuck request by force and the gateway still exits 0", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const up = await slowUpstream(t);
  const gw = spawnGateway(t, ["--nginx", gatewayConf(dir, up.port), "--drain-timeout", "0.5"]);
  const { port } = await gw.addresses();
  const agent = new Agent({ keepAlive: false });
  t.after(() => agent.destroy());
  const stuck = get(port, pki, agent).then(
    () => "answered",
    (e: Error & { code?: string }) => e.code ?? e.message,
  );
  await up.arrived(1);
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
  assert.equal(await stuck, "ECONNRESET");
  assert.match(
    gw.stdout(),
    /1 connections and 1 requests in flight at the start, 0 requests completed, 1 connections closed at the deadline\n$/,
  );
  up.release();
});

test("worker_shutdown_timeout sets the drain deadline of an nginx configuration", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const file = gatewayConf(dir, 9);
  writeFileSync(file, `worker_shutdown_timeout 2s;\nhttp {\n${readFileSync(file, "utf8")}}\n`);
  const gw = spawnGateway(t, ["--nginx", file]);
  await gw.addresses();
  gw.child.kill("SIGINT");
  await gw.waitFor("SIGINT received, closing: draining (deadline 2 s)");
  assert.equal(await gw.exited, 0);
});
