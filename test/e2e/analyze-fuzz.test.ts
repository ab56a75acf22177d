import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { CaptureAnalyzer } from "../../src/analyze/capture-analyzer.ts";
import { ConnectionTranscriber } from "../../src/analyze/connection-transcript.ts";
import { KeyLog } from "../../src/analyze/key-log.ts";
import { Tls13RecordDecryptor } from "../../src/analyze/tls13-record-decryptor.ts";
import { transcriptJson } from "../../src/analyze/transcript-json.ts";
import { TsharkFieldsWriter } from "../../src/analyze/tshark-fields.ts";
import { renderWalkthrough } from "../../src/analyze/walkthrough-text.ts";
import { ParseError } from "../../src/errors.ts";
import { runMtls } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = "../shared/captures";

async function run(argv: string[]): Promise<{ status: number; err: string }> {
  const { status, stderr: err } = await runMtls(argv);
  return { status, err };
}

/** Captures as plain bytes (gzip inflated), smallest first. */
function captures(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const dir of ["mtls", "ja4", "zeek"]) {
    for (const f of readdirSync(`${ROOT}/${dir}`)) {
      if (!/\.(pcap|pcapng)(\.gz)?$/.test(f)) continue;
      let bytes = new Uint8Array(readFileSync(`${ROOT}/${dir}/${f}`));
      if (f.endsWith(".gz")) bytes = new Uint8Array(gunzipSync(bytes));
      out.push({ name: `${dir}/${f}`, bytes });
    }
  }
  return out.sort((a, b) => a.bytes.length - b.bytes.length);
}

/** The CLI pipeline in memory, every renderer; only a ParseError (a clean CLI error) may escape. */
function analyzeAll(bytes: Uint8Array, keyLog: KeyLog): void {
  const a = new CaptureAnalyzer();
  const d = new Tls13RecordDecryptor(keyLog);
  const t = new ConnectionTranscriber();
  const fields = new TsharkFieldsWriter();
  const step = 4096;
  const feed = (events: ReturnType<CaptureAnalyzer["push"]>) => {
    const ev = d.apply(events);
    fields.add(ev);
    fields.flush();
    for (const x of t.add(ev)) {
      renderWalkthrough(x);
      JSON.stringify(transcriptJson(x));
    }
  };
  for (let at = 0; at < bytes.length; at += step) feed(a.push(bytes.subarray(at, at + step)));
  feed(a.finish());
  for (const x of t.finish()) {
    renderWalkthrough(x);
    JSON.stringify(transcriptJson(x));
  }
}

/** xorshift32: a seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe("mtls analyze on hostile input", () => {
  it("prints output or a clean error for any byte mutation or truncation, never an exception", {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    const base = readFileSync(`${ROOT}/mtls/07a-tls12-untrusted-client-cert-unknown-ca.pcap`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.option(fc.nat(base.length), { nil: undefined }),
        fc.constantFrom("text", "json", "tshark-fields", "summary"),
        async (edits, cut, format) => {
          const bytes = Buffer.from(base);
          for (const [at, v] of edits) bytes[at] = v;
          const file = join(dir, "mutated.pcap");
          writeFileSync(file, cut === undefined ? bytes : bytes.subarray(0, cut));
          const r = await run(["analyze", "--format", format, file]);
          assert.ok(r.status === 0 || r.status === 1, `status ${r.status}`);
          if (r.status === 1) assert.match(r.err, /^mtls: Cannot (read|inflate) capture /);
          assert.doesNotMatch(r.err, /TypeError|RangeError|ReferenceError| {4}at /);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("survives a 15-second fuzz run over mutated shared captures", { timeout: 60_000 }, () => {
    const budgetMs = 15_000;
    const started = Date.now();
    const list = captures().filter((c) => c.bytes.length <= 2_000_000);
    const keyLog = new KeyLog();
    keyLog.add(
      readFileSync(`${ROOT}/mtls/07b-tls13-untrusted-client-cert-unknown-ca.keys`, "utf8"),
    );
    const next = rng(0x6d746c73);
    let runs = 0;
    while (Date.now() - started < budgetMs) {
      const c = list[runs % list.length]!;
      const bytes = c.bytes.slice();
      const edits = 1 + Math.floor(next() * 16);
      for (let i = 0; i < edits; i++) {
        const at = Math.floor(next() * bytes.length);
        // Flip a byte, or write a boundary value where lengths live.
        bytes[at] =
          next() < 0.5
            ? bytes[at]! ^ (1 << Math.floor(next() * 8))
            : [0, 0xff, 0x7f, 0x80][Math.floor(next() * 4)]!;
      }
      const cut = next() < 0.2 ? Math.floor(next() * bytes.length) : bytes.length;
      try {
        analyzeAll(bytes.subarray(0, cut), keyLog);
      } catch (e) {
        assert.ok(e instanceof ParseError, `${c.name} run ${runs}: ${(e as Error).stack}`);
      }
      runs++;
    }
    assert.ok(runs >= list.length, `only ${runs} runs`);
  });
});
