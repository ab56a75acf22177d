import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { ClientHello } from "../tls/handshake.ts";
import { CaptureAnalyzer } from "./capture-analyzer.ts";
import { ja3, ja4 } from "./fingerprints.ts";

const JA4_DIR = "../shared/captures/ja4";

/** Every plaintext ClientHello carried over TCP, per stream, in wire order. */
function clientHellos(path: string): Map<number, ClientHello[]> {
  const a = new CaptureAnalyzer();
  const out = new Map<number, ClientHello[]>();
  for (const ev of [...a.push(new Uint8Array(readFileSync(path))), ...a.finish()]) {
    if (ev.kind !== "record") continue;
    for (const h of ev.handshakes) {
      if (h.message?.type !== "ClientHello") continue;
      const list = out.get(ev.stream) ?? [];
      list.push(h.message);
      out.set(ev.stream, list);
    }
  }
  return out;
}

describe("ja4()", () => {
  const files = readdirSync(JA4_DIR).filter((f) => f.endsWith(".ja4.json"));
  for (const file of files) {
    it(`equals FoxIO's JA4 and JA4_r for every ClientHello of ja4/${file.replace(".ja4.json", "")}`, () => {
      const expected = JSON.parse(readFileSync(`${JA4_DIR}/${file}`, "utf8")) as Record<
        string,
        string | number
      >[];
      const hellos = clientHellos(`${JA4_DIR}/${file.replace(".ja4.json", "")}`);
      for (const row of expected) {
        for (let n = 1; `JA4.${n}` in row; n++) {
          const hello = hellos.get(Number(row.stream))?.[n - 1];
          assert.ok(hello, `stream ${row.stream}: ClientHello ${n} not found`);
          const got = ja4(hello);
          assert.equal(got.hash, row[`JA4.${n}`], `stream ${row.stream} JA4.${n}`);
          assert.equal(got.raw, row[`JA4_r.${n}`], `stream ${row.stream} JA4_r.${n}`);
        }
      }
    });
  }

  it("leaves GREASE out of the counts and both hashes", () => {
    const hello: ClientHello = {
      type: "ClientHello",
      legacy_version: 0x0303,
      random: new Uint8Array(32),
      legacy_session_id: new Uint8Array(0),
      cipher_suites: [0x0a0a, 0x1301],
      legacy_compression_methods: [0],
      extensions: [
        {
          type: 0x1a1a,
          name: "GREASE(0x1a1a)",
          grease: true,
          data: new Uint8Array(0),
          raw: new Uint8Array(0),
          value: undefined,
        },
        {
          type: 0x002b,
          name: "supported_versions",
          grease: false,
          data: new Uint8Array(0),
          raw: new Uint8Array(0),
          value: { kind: "supported_versions", versions: [0x2a2a, 0x0304] },
        },
      ],
      raw: new Uint8Array(0),
    };
    assert.equal(ja4(hello).raw, "t13i010100_1301_002b");
    assert.equal(ja4(hello, { quic: true }).hash.slice(0, 10), "q13i010100");
    assert.equal(ja3(hello).raw, "771,4865,43,,");
  });
});
