import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import "reflect-metadata";
import { type DemoResult, runDemo } from "../../src/demo/demo.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

describe("mtls demo (npm start)", () => {
  let result: DemoResult;
  const lines: string[] = [];
  const dir = join(tempDir({ after }), "demo");

  before(async () => {
    result = await runDemo({ dir, keep: true, print: (l) => lines.push(l) });
  });
  after(async () => {
    await result?.servers?.gateway.close();
    await result?.servers?.upstream.close();
  });

  it("answers 200 with a client certificate and 400 without one or with a rogue one", () => {
    assert.deepEqual(
      result.checks.map((c) => [c.status, c.ok]),
      [
        [200, true],
        [400, true],
        [400, true],
      ],
    );
    assert.equal(result.ok, true);
    assert.match(
      result.checks[0]?.detail ?? "",
      /saw client certificate "CN=gateway,O=mtlskit demo"/,
    );
    assert.match(result.checks[1]?.detail ?? "", /No required SSL certificate was sent/);
    assert.match(result.checks[2]?.detail ?? "", /The SSL certificate error/);
  });

  it("prints the first request's handshake in the seed's order", () => {
    const text = lines.join("\n");
    const order = [
      "ClientHello",
      "ServerHello",
      "Certificate",
      "ServerKeyExchange",
      "CertificateRequest",
      "ServerHelloDone",
      "Certificate",
      "ClientKeyExchange",
      "CertificateVerify",
      "ChangeCipherSpec",
      "Encrypted Handshake Message",
      "ChangeCipherSpec",
      "Encrypted Handshake Message",
      "Application Data",
    ];
    let at = 0;
    for (const name of order) {
      const found = text.indexOf(name, at);
      assert.notEqual(found, -1, `trace lacks ${name} after offset ${at}`);
      at = found + name.length;
    }
    assert.match(text, /PASS {2}with the client certificate/);
    // The client's long cipher-suite list is cut to its first 8 names in the plain trace.
    assert.match(text, /cipher_suites \(\d+\): [\s\S]*?… \d+ more \(--trace-verbose lists all\)/);
  });

  it("writes private keys with mode 0600", () => {
    for (const f of [
      result.files.clientKey,
      result.files.rogueKey,
      join(result.dir, "ca", "ca.key"),
    ]) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
    }
  });

  it("lets curl through with the client certificate and refuses it without", async (t) => {
    const curl = requirePeer(t, "curl");
    if (!curl) return;
    const f = result.files;
    const ok = await run(
      curl,
      ["-s", "--cacert", f.ca, "--cert", f.clientCert, "--key", f.clientKey].concat([
        "-H",
        "accept: application/json",
        "-w",
        "\n%{http_code}",
        result.url,
      ]),
    );
    assert.match(ok.stdout, /"service": "mtlskit demo upstream"/);
    assert.match(ok.stdout, /\n200$/);
    const none = await run(curl, ["-s", "--cacert", f.ca, "-w", "\n%{http_code}", result.url]);
    assert.match(none.stdout, /No required SSL certificate was sent/);
    assert.match(none.stdout, /\n400$/);
  });

  it("serves the seed's test script rewritten for Python 3 (http.client + ssl)", async (t) => {
    const python = requirePeer(t, "python3");
    if (!python) return;
    const f = result.files;
    const script = join(root, "test", "fixtures", "seed-client.py");
    const out = await run(python, [script, result.url, f.ca, f.clientCert, f.clientKey]);
    assert.match(out.stdout, /^200 OK /);
    assert.match(out.stdout, /"path": "\/test_url"/);
    await assert.rejects(
      run(python, [script, result.url, f.ca, f.rogueCert, f.rogueKey]),
      (e: { code?: number; stdout?: string }) => e.code === 1 && /^400 /.test(e.stdout ?? ""),
    );
  });
});

describe("npm start", () => {
  it("runs the demo as a command and exits 0", async (t) => {
    const dir = join(tempDir(t), "d");
    const out = await run(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "demo", "--dir", dir, "--no-trace"],
      {
        cwd: root,
      },
    );
    assert.match(out.stdout, /All three requests behaved as the seed describes/);
  });

  it("refuses a --dir that is not empty, with one line and exit 1", async (t) => {
    const dir = tempDir(t);
    await assert.rejects(
      run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "demo", "--dir", dir], {
        cwd: root,
      }).then(() =>
        run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "demo", "--dir", dir], {
          cwd: root,
        }),
      ),
      (e: { code?: number; stderr?: string }) =>
        e.code === 1 &&
        /^mtls: Cannot run the demo in .*: the directory is not empty\n/.test(e.stderr ?? ""),
    );
  });
});
