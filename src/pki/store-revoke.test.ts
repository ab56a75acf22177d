import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/tmp.ts";
import { MtlsError } from "../errors.ts";
import { initCaStore, readIndex } from "./store.ts";
import { normalizeSerial, publishCrl, revokeInStore } from "./store-revoke.ts";
import { issueIntoStore } from "./store-sign.ts";
import { NOW } from "./testdata/fixtures.ts";

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

describe("normalizeSerial", () => {
  it("ignores 0x, colons, spaces, case and leading zero octets", () => {
    assert.equal(normalizeSerial("0x00:7A"), "7a");
    assert.equal(normalizeSerial("ab cd"), "abcd");
    assert.equal(normalizeSerial("abc"), "0abc");
    assert.equal(normalizeSerial("server.crt"), undefined);
  });
});

describe("revokeInStore", () => {
  it("marks the entry revoked and publishes a CRL in one commit, numbering CRLs upward", async (t) => {
    const dir = join(tempDir(t), "ca");
    await initCaStore(dir, { now: NOW });
    const { issued } = await issueIntoStore(dir, "c1", { profile: "client", now: NOW });
    const later = new Date(NOW.getTime() + 3_600_000);
    const first = await revokeInStore(
      dir,
      { serial: issued.serialHex.toUpperCase() },
      { reason: "superseded", now: later, days: 2 },
    );
    assert.equal(first.crl.crlNumber, 1);
    assert.deepEqual(first.files, [join(dir, "crl.pem"), join(dir, "crl.der")]);
    const entry = readIndex(dir).certificates[0];
    assert.equal(entry?.status, "revoked");
    assert.equal(entry?.reason, "superseded");
    assert.equal(entry?.revokedAt, "2026-01-15T13:00:00.000Z");
    assert.equal(readIndex(dir).crlNumber, 1);
    assert.equal(readFileSync(join(dir, "crl.pem"), "utf8"), first.crl.pem);
    const second = await publishCrl(dir, { now: later });
    assert.equal(second.crl.crlNumber, 2);
    assert.equal(readIndex(dir).crlNumber, 2);
  });

  it("refuses an unknown serial, an already revoked one and a foreign certificate, changing nothing", async (t) => {
    const base = tempDir(t);
    const dir = join(base, "ca");
    await initCaStore(dir, { now: NOW });
    const { issued } = await issueIntoStore(dir, "c1", { profile: "client", now: NOW });
    await revokeInStore(dir, { serial: issued.serialHex }, { now: NOW });
    const other = join(base, "other");
    await initCaStore(other, { now: NOW, subject: "CN=Other" });
    await issueIntoStore(other, "x", { profile: "client", now: NOW });
    const before = snapshot(dir);
    const refuses = async (
      target: Parameters<typeof revokeInStore>[1],
      code: string,
      message: RegExp,
    ) => {
      await assert.rejects(revokeInStore(dir, target, { now: NOW }), (e: unknown) => {
        assert.ok(e instanceof MtlsError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
      assert.deepEqual(snapshot(dir), before);
    };
    await refuses({ serial: "01" }, "MTLS_PKI_BAD_INPUT", /^Cannot revoke serial 01: not in /);
    await refuses(
      { serial: issued.serialHex },
      "MTLS_PKI_POLICY",
      /already revoked at 2026-01-15T12:00:00\.000Z$/,
    );
    await refuses(
      { certPem: readFileSync(join(other, "x.crt"), "utf8"), path: "x.crt" },
      "MTLS_PKI_POLICY",
      /^Cannot revoke x\.crt: it was issued by 'CN=Other', not by this CA \('CN=mtlskit CA'\)$/,
    );
    await refuses(
      { certPem: "garbage", path: "g.crt" },
      "MTLS_PKI_BAD_INPUT",
      /^Cannot read certificate g\.crt: not PEM/,
    );
  });
});
