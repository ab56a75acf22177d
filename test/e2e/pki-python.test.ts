import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/**
 * A Python `ssl` server requiring client certificates and a Python client, both with
 * VERIFY_X509_STRICT (the default from Python 3.13: it wants AKI, critical basicConstraints
 * on CAs, and so on), exchanging one line over mutual TLS.
 */
const SCRIPT = String.raw`
import socket, ssl, sys, threading
d, root = sys.argv[1], sys.argv[2]
def ctx(purpose, cert, key):
    c = ssl.create_default_context(purpose, cafile=root)
    c.verify_flags |= ssl.VERIFY_X509_STRICT
    c.load_cert_chain(d + "/" + cert, d + "/" + key)
    return c
sctx = ctx(ssl.Purpose.CLIENT_AUTH, "localhost.crt", "localhost.key")
sctx.verify_mode = ssl.CERT_REQUIRED
lsock = socket.create_server(("127.0.0.1", 0))
port = lsock.getsockname()[1]
def serve():
    conn, _ = lsock.accept()
    with sctx.wrap_socket(conn, server_side=True) as s:
        cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
        s.sendall(("hello " + cn + " over " + s.version() + "\n").encode())
t = threading.Thread(target=serve); t.start()
cctx = ctx(ssl.Purpose.SERVER_AUTH, "client-1.crt", "client-1.key")
with socket.create_connection(("127.0.0.1", port)) as raw:
    with cctx.wrap_socket(raw, server_hostname="localhost") as s:
        print(s.recv(100).decode(), end="")
t.join()
`;

import { runMtls } from "../helpers/cli.ts";

describe("Python ssl with mtlskit certificates", () => {
  const dir = tempDir({ after });

  for (const chain of ["root", "intermediate"] as const) {
    it(`completes mutual TLS under VERIFY_X509_STRICT, issued by a ${chain} CA`, async (t) => {
      const python = requirePeer(t, "python3");
      if (!python) return;
      const root = join(dir, `${chain}-root`);
      const issuing = chain === "root" ? root : join(dir, `${chain}-issuing`);
      const steps = [
        ["pki", "init", "--dir", root],
        ...(chain === "root"
          ? []
          : [["pki", "init", "--intermediate", "--parent", root, "--dir", issuing]]),
        ["pki", "issue", "server", "localhost", "--ca", issuing],
        ["pki", "issue", "client", "client-1", "--ca", issuing],
      ];
      for (const argv of steps) {
        const r = await mtls(argv);
        assert.equal(r.status, 0, `${argv.join(" ")}\n${r.stderr}`);
      }
      const r = spawnSync(python, ["-c", SCRIPT, issuing, join(root, "ca.crt")], {
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "hello client-1 over TLSv1.3\n");
    });
  }
});
