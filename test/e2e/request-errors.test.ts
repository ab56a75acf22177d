import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { describe, test } from "node:test";
import { request } from "../../src/client/request.ts";
import { ErrorCode, MtlsError } from "../../src/errors.ts";
import { runMtls } from "../helpers/cli.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

describe("mtls request failures and redirects", () => {
  test("a server that never answers the ClientHello times out after --timeout seconds", async (t) => {
    const sockets: Socket[] = [];
    const server = createTcpServer((s) => sockets.push(s)); // accepts, reads nothing back
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    const started = performance.now();
    const r = await mtls(["request", `https://127.0.0.1:${port}/`, "--timeout", "0.5"]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^mtls: Request to https:\/\/127\.0\.0\.1:\d+\/ timed out after 0\.5 s\n/,
    );
    assert.ok(performance.now() - started < 5000);
  });

  test("--follow follows redirects, a 303 turns a POST into a GET, --trace-file keeps stdout clean", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const server = createHttpsServer(
      { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) },
      (req, res) => {
        if (req.url === "/start") {
          res.writeHead(303, { location: "/next" });
          res.end();
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ method: req.method, url: req.url }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await request(`${base}/start`, {
      cacert: readFileSync(pki.caCert, "utf8"),
      method: "POST",
      body: "x=1",
      follow: true,
    });
    assert.equal(res.status, 200);
    assert.equal(res.url, `${base}/next`);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(res.body)), {
      method: "GET",
      url: "/next",
    });

    const traceFile = join(tempDir(t), "trace.txt");
    const posted = await mtls([
      "request",
      `${base}/next`,
      "--cacert",
      pki.caCert,
      "-d",
      "a=1",
      "--trace-file",
      traceFile,
    ]);
    assert.equal(posted.status, 0, posted.stderr);
    assert.deepEqual(
      JSON.parse(posted.stdout),
      { method: "POST", url: "/next" },
      "the trace is not on stdout",
    );
    assert.match(readFileSync(traceFile, "utf8"), /^→ ClientHello/);
    const again = await mtls([
      "request",
      `${base}/next`,
      "--cacert",
      pki.caCert,
      "--trace-file",
      traceFile,
    ]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^mtls: Refusing to overwrite .*trace\.txt: the file exists\n/);
    const forced = await mtls([
      "request",
      `${base}/next`,
      "--cacert",
      pki.caCert,
      "--trace-file",
      traceFile,
      "--force",
    ]);
    assert.equal(forced.status, 0, forced.stderr);

    const unfollowed = await mtls(["request", `${base}/start`, "--cacert", pki.caCert, "-i"]);
    assert.equal(unfollowed.status, 1);
    assert.match(unfollowed.stdout, /^HTTP\/1\.1 303 See Other\n/);
    assert.match(unfollowed.stderr, /^mtls: HTTP 303 See Other from /);
  });

  test("request() rejects a non-https URL as a usage error", async () => {
    await assert.rejects(request("http://127.0.0.1:1/"), (e: unknown) => {
      return e instanceof MtlsError && e.code === ErrorCode.USAGE;
    });
  });
});

describe("mtls request refuses unusable PEM inputs before connecting", () => {
  test("each bad --cacert/--cert/--key gets one line naming the file, exit 1, and no hang", async (t) => {
    const dir = tempDir(t);
    const pki = makeOpensslPki(dir);
    const garbage = join(dir, "garbage.pem");
    const empty = join(dir, "empty.pem");
    writeFileSync(garbage, "not a certificate\n");
    writeFileSync(empty, "");
    // A listener that would hang a client which connected and then stalled.
    const sockets: Socket[] = [];
    const server = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const cases: [string[], RegExp][] = [
      [
        ["--cert", pki.clientCert, "--key", pki.serverKey],
        /^mtls: Client key .*server\.key does not match client certificate .*client\.crt\n/,
      ],
      [
        ["--cert", pki.clientKey, "--key", pki.clientCert],
        /^mtls: Cannot read client certificate .*client\.key: no PEM certificate in it/,
      ],
      [
        ["--cert", pki.clientCert, "--key", garbage],
        /^mtls: Cannot read client key .*garbage\.pem: not a PEM private key\n/,
      ],
      [
        ["--cacert", garbage],
        /^mtls: Cannot read CA certificate .*garbage\.pem: no PEM certificate in it/,
      ],
      [
        ["--cacert", empty],
        /^mtls: Cannot read CA certificate .*empty\.pem: no PEM certificate in it/,
      ],
    ];
    for (const [flags, expected] of cases) {
      const started = performance.now();
      const r = await mtls(["request", url, "--timeout", "30", ...flags]);
      assert.equal(r.status, 1, flags.join(" "));
      assert.match(r.stderr, expected);
      assert.ok(performance.now() - started < 5000, `${flags.join(" ")} took too long`);
    }
    assert.equal(sockets.length, 0, "no connection was opened");
  });

  test("a malformed URL is a usage error (exit 2) that repeats the URL", async () => {
    const r = await mtls(["request", "notaurl"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^mtls: Invalid URL 'notaurl': expected https:/);
  });
});
