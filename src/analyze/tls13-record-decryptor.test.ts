import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CaptureAnalyzer } from "./capture-analyzer.ts";
import type { AnalyzerEvent, RecordEvent } from "./events.ts";
import { KeyLog } from "./key-log.ts";
import { Tls13RecordDecryptor } from "./tls13-record-decryptor.ts";

const SCENARIO = "../shared/captures/mtls/07b-tls13-untrusted-client-cert-unknown-ca";

function records(log: KeyLog): RecordEvent[] {
  const a = new CaptureAnalyzer();
  const d = new Tls13RecordDecryptor(log);
  const events: AnalyzerEvent[] = d.apply([
    ...a.push(new Uint8Array(readFileSync(`${SCENARIO}.pcap`))),
    ...a.finish(),
  ]);
  return events.filter((e): e is RecordEvent => e.kind === "record");
}

describe("KeyLog", () => {
  it("keeps well-formed lines and skips comments and junk", () => {
    const log = new KeyLog();
    const random = "ab".repeat(32);
    const n = log.add(
      `# comment\nCLIENT_TRAFFIC_SECRET_0 ${random} 0102\r\nbad line\nX ${random.slice(2)} 00\n`,
    );
    assert.equal(n, 1);
    assert.deepEqual([...(log.secret(random, "CLIENT_TRAFFIC_SECRET_0") ?? [])], [1, 2]);
    assert.equal(log.secret(random, "SERVER_TRAFFIC_SECRET_0"), undefined);
  });
});

describe("Tls13RecordDecryptor", () => {
  it("reveals the CertificateRequest, the client Certificate and the unknown_ca alert", () => {
    const log = new KeyLog();
    log.add(readFileSync(`${SCENARIO}.keys`, "utf8"));
    const decrypted = records(log).filter((r) => r.decrypted);
    const names = decrypted.flatMap((r) =>
      r.handshakes.length > 0
        ? r.handshakes.map((h) => `${r.direction} ${h.message?.type}`)
        : [`${r.direction} ${r.contentType}${r.alert ? `/${r.alert.description}` : ""}`],
    );
    assert.deepEqual(names, [
      "1 EncryptedExtensions",
      "1 CertificateRequest",
      "1 Certificate",
      "1 CertificateVerify",
      "1 Finished",
      "0 Certificate",
      "0 CertificateVerify",
      "0 Finished",
      "0 23",
      "1 21/48",
    ]);
  });

  it("leaves records unchanged when the key log does not match", () => {
    const log = new KeyLog();
    log.add(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${"00".repeat(32)} ${"11".repeat(48)}\n`);
    const all = records(log);
    assert.ok(all.every((r) => !r.decrypted));
    assert.ok(all.some((r) => r.opaqueType === 23));
  });

  it("stops a direction at a record that does not authenticate", () => {
    const text = readFileSync(`${SCENARIO}.keys`, "utf8").replace(
      /^(SERVER_HANDSHAKE_TRAFFIC_SECRET \S+ )(\S)/m,
      (_, head: string, c: string) => `${head}${c === "0" ? "1" : "0"}`,
    );
    const log = new KeyLog();
    log.add(text);
    const server = records(log).filter((r) => r.direction === 1);
    assert.ok(server.every((r) => !r.decrypted));
  });
});
