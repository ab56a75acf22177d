import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { tempDir } from "../../test/helpers/tmp.ts";
import { MtlsError } from "../errors.ts";
import { createCsr } from "./csr.ts";
import { initCaStore, loadCaStore, readIndex, recordIssued } from "./store.ts";
import { withFileLock } from "./store-lock.ts";
import { issueIntoStore, signIntoStore } from "./store-sign.ts";
import { NOW, testKeyPem, testKeys } from "./testdata/fixtures.ts";

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else out[`${prefix}${name}`] = readFileSync(p, "latin1");
    }
  };
  walk(dir, "");
  return out;
}

let csrPem: string;
before(async () => {
  csrPem = (
    await createCsr({
      subject: "CN=localhost",
      sans: "IP:127.0.0.1",
      keys: await testKeys("leaf-ec"),
    })
  ).csrPem;
});

describe("initCaStore", () => {
  it("writes ca.key at 0600, ca.crt, an empty index and certs/", async (t) => {
    const dir = join(tempDir(t), "ca");
    const ca = await initCaStore(dir, { subject: "CN=Test CA,O=Acme", now: NOW });
    assert.deepEqual(readdirSync(dir).sort(), ["ca.crt", "ca.key", "certs", "index.json"]);
    assert.equal(statSync(join(dir, "ca.key")).mode & 0o777, 0o600);
    assert.deepEqual(readIndex(dir), { version: 1, certificates: [] });
    assert.equal(ca.cert.subject, "CN=Test CA, O=Acme");
    assert.equal((await loadCaStore(dir)).cert.serialNumber, ca.cert.serialNumber);
  });

  it("refuses to replace a CA without force and leaves it byte for byte", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    const before = snapshot(dir);
    await assert.rejects(initCaStore(dir, { now: NOW }), { code: "MTLS_EXISTS" });
    assert.deepEqual(snapshot(dir), before);
    await initCaStore(dir, { now: NOW, force: true });
    assert.notEqual(snapshot(dir)["ca.crt"], before["ca.crt"]);
  });

  it("leaves no directory behind when the subject is bad", async (t) => {
    const dir = join(tempDir(t), "ca");
    await assert.rejects(initCaStore(dir, { subject: "CN" }), { code: "MTLS_PKI_BAD_INPUT" });
    assert.equal(existsSync(dir), false);
  });
});

describe("loadCaStore", () => {
  it("reports a swapped ca.key as MTLS_PKI_KEY_MISMATCH", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    writeFileSync(join(dir, "ca.key"), testKeyPem("leaf-ec"));
    await assert.rejects(
      loadCaStore(dir),
      (e) => e instanceof MtlsError && e.code === "MTLS_PKI_KEY_MISMATCH",
    );
  });

  it("says how to create a store when there is none", async (t) => {
    const dir = join(tempDir(t), "none");
    await assert.rejects(loadCaStore(dir), (e) => {
      assert.ok(e instanceof MtlsError);
      assert.equal(e.message, `Cannot read CA store ${dir}: no ca.crt or ca.key`);
      assert.equal(e.hint, `create one with \`mtls pki init --dir ${dir}\``);
      return true;
    });
  });
});

describe("signIntoStore", () => {
  it("writes the certificate, its copy in certs/ and the index entry", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    const certPath = join(dir, "web.crt");
    const { issued, files } = await signIntoStore(dir, csrPem, {
      profile: "server",
      certPath,
      now: NOW,
    });
    assert.deepEqual(files, [certPath]);
    assert.equal(readFileSync(certPath, "utf8"), issued.certPem);
    assert.equal(
      readFileSync(join(dir, "certs", `${issued.serialHex}.pem`), "utf8"),
      issued.certPem,
    );
    assert.deepEqual(readIndex(dir).certificates, [
      {
        serial: issued.serialHex,
        subject: "CN=localhost",
        sans: ["DNS:localhost", "IP:127.0.0.1"],
        profile: "server",
        notBefore: "2026-01-15T11:55:00.000Z",
        notAfter: "2027-02-16T12:00:00.000Z",
        status: "valid",
        file: `certs/${issued.serialHex}.pem`,
      },
    ]);
    assert.equal(existsSync(join(dir, "index.json.lock")), false);
  });

  it("changes nothing when the output exists or the CSR is bad", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    const certPath = join(dir, "web.crt");
    await signIntoStore(dir, csrPem, { profile: "server", certPath, now: NOW });
    const before = snapshot(dir);
    await assert.rejects(signIntoStore(dir, csrPem, { profile: "server", certPath, now: NOW }), {
      code: "MTLS_EXISTS",
    });
    await assert.rejects(
      signIntoStore(dir, "junk", { profile: "server", certPath: join(dir, "x.crt"), now: NOW }),
      { code: "MTLS_PKI_BAD_INPUT" },
    );
    assert.deepEqual(snapshot(dir), before);
  });

  it("keeps every entry and serial unique when issuers run concurrently", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    const names = Array.from({ length: 8 }, (_, i) => `c${i}`);
    await Promise.all(names.map((n) => issueIntoStore(dir, n, { profile: "client", now: NOW })));
    const entries = readIndex(dir).certificates;
    assert.equal(entries.length, 8);
    assert.equal(new Set(entries.map((e) => e.serial)).size, 8);
    assert.deepEqual(
      entries.map((e) => e.subject).sort(),
      names.map((n) => `CN=${n}`),
    );
    assert.equal(statSync(join(dir, "c0.key")).mode & 0o777, 0o600);
  });

  it("refuses to record a serial twice", async (t) => {
    const dir = tempDir(t);
    await initCaStore(dir, { now: NOW });
    const { issued } = await signIntoStore(dir, csrPem, {
      profile: "server",
      certPath: join(dir, "a.crt"),
      now: NOW,
    });
    await assert.rejects(recordIssued(dir, issued), { code: "MTLS_PKI_POLICY" });
    assert.equal(readIndex(dir).certificates.length, 1);
  });
});

describe("withFileLock", () => {
  it("takes over a lock whose owner process is gone", async (t) => {
    const lock = join(tempDir(t), "index.json.lock");
    writeFileSync(lock, "2147483646 2026-01-01T00:00:00.000Z\n");
    assert.equal(await withFileLock(lock, async () => 42), 42);
    assert.equal(existsSync(lock), false);
  });

  it("times out on a live lock with a hint", async (t) => {
    const lock = join(tempDir(t), "index.json.lock");
    writeFileSync(lock, `${process.pid} now\n`);
    await assert.rejects(
      withFileLock(lock, async () => 1, { timeoutMs: 60, retryMs: 10 }),
      (e) => {
        assert.ok(e instanceof MtlsError);
        assert.equal(e.code, "MTLS_TIMEOUT");
        assert.match(e.hint ?? "", /another mtls process is issuing/);
        return true;
      },
    );
    assert.equal(existsSync(lock), true);
  });
});
