/**
 * `mtls analyze --format tshark-fields` against tshark 4.0 on every shared capture.
 *
 * ja4/ and zeek/ are compared with their committed keyless oracles (`*.tshark.tsv`);
 * mtls/ oracles were made WITH key logs, so the keyless oracle is regenerated here by
 * running tshark with the README's command minus `-o tls.keylog_file:...`.
 * Where tshark is wrong (docs/analyzer/tshark-differences.md), the oracle is corrected
 * before comparison and our value is asserted. Every output is asserted exact after those
 * corrections (QUIC Initial rows included).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** `mtls` with only the analyze command: other commands' work in progress cannot break these tests. */
const CAPTURES = "../shared/captures";
const FIELDS = [
  "frame.number",
  "tcp.stream",
  "tls.record.version",
  "tls.record.content_type",
  "tls.handshake.type",
  "tls.handshake.ciphersuite",
  "tls.alert_message.desc",
];

/** A correction of tshark's output, with the reason (see docs/analyzer/tshark-differences.md). */
interface Correction {
  readonly why: string;
  /** Replace (or, with null, drop) the row of a frame. */
  readonly rows: Readonly<Record<number, string | null>>;
}

/** tshark is wrong here: the corrected rows are what we print and assert. */
const TSHARK_WRONG: Readonly<Record<string, Correction>> = {
  "zeek/tls-fragmented-handshake.pcap.gz": {
    why: "a Certificate message spanning 21 records completes in frame 410 (RFC 5246 §6.2.1)",
    rows: { 410: "410\t0\t0x0303\t22\t11\t\t" },
  },
  "ja4/tls3.pcapng": {
    why: "TLS on port 8009 is TLS by record structure; a TCP keep-alive byte is not TLS",
    rows: {
      1: "1\t0\t0x0303\t23\t\t\t",
      2: "2\t0\t0x0303\t23\t\t\t",
      6: null,
      27: null,
    },
  },
};

async function ours(path: string, ...flags: string[]): Promise<string> {
  const { status, stdout } = await runMtls([
    "analyze",
    "--format",
    "tshark-fields",
    ...flags,
    path,
  ]);
  assert.equal(status, 0);
  return stdout;
}

function rows(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of text.split("\n")) if (line) m.set(Number(line.split("\t")[0]), line);
  return m;
}

/** Applies the corrections of {@link TSHARK_WRONG} to an oracle. */
function expected(rel: string, oracle: string): string {
  const m = rows(oracle);
  for (const [frame, line] of Object.entries(TSHARK_WRONG[rel]?.rows ?? {})) {
    if (line === null) m.delete(Number(frame));
    else m.set(Number(frame), line);
  }
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, l]) => `${l}\n`)
    .join("");
}

function mtlsPorts(): Map<string, string[]> {
  const readme = readFileSync(`${CAPTURES}/README.md`, "utf8");
  const ports = new Map<string, string[]>();
  for (const line of readme.split("\n")) {
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (!m) continue;
    const cells = line.split("|").map((c) => c.trim());
    ports.set(m[1]!, cells[8]!.split(","));
  }
  return ports;
}

const identical: string[] = [];
const total: string[] = [];

describe("mtls analyze --format tshark-fields matches tshark 4.0", () => {
  for (const dir of ["ja4", "zeek"]) {
    for (const name of readdirSync(`${CAPTURES}/${dir}`).filter((f) => f.endsWith(".tshark.tsv"))) {
      const capture = name.slice(0, -".tshark.tsv".length);
      const rel = `${dir}/${capture}`;
      it(`${rel} prints tshark's rows (corrected where tshark is wrong)`, async () => {
        const oracle = readFileSync(`${CAPTURES}/${rel}.tshark.tsv`, "utf8");
        const got = await ours(`${CAPTURES}/${rel}`);
        total.push(rel);
        if (got === oracle) identical.push(rel);
        assert.equal(got, expected(rel, oracle));
      });
    }
  }

  const ports = mtlsPorts();
  for (const name of readdirSync(`${CAPTURES}/mtls`).filter((f) => f.endsWith(".pcap"))) {
    const rel = `mtls/${name}`;
    it(`${rel} prints the rows of keyless tshark`, async (t) => {
      const tshark = requirePeer(t, "tshark");
      if (!tshark) return;
      const decode = (ports.get(name.slice(0, -".pcap".length)) ?? []).flatMap((p) => [
        "-d",
        `tcp.port==${p},tls`,
      ]);
      const r = spawnSync(
        tshark,
        [
          "-r",
          `${CAPTURES}/${rel}`,
          "-o",
          "tcp.reassemble_out_of_order:TRUE",
          ...decode,
          "-Y",
          "tls",
          "-T",
          "fields",
          ...FIELDS.flatMap((f) => ["-e", f]),
          "-E",
          "separator=/t",
        ],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      const got = await ours(`${CAPTURES}/${rel}`);
      total.push(rel);
      if (got === r.stdout) identical.push(rel);
      assert.equal(got, r.stdout);
    });
  }

  /** Splits a little-endian classic pcap into its header and records. */
  function records(bytes: Uint8Array): { header: Uint8Array; list: Uint8Array[] } {
    const list: Uint8Array[] = [];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 24; at < bytes.length; ) {
      const size = 16 + dv.getUint32(at + 8, true);
      list.push(bytes.slice(at, at + size));
      at += size;
    }
    return { header: bytes.subarray(0, 24), list };
  }
  function concat(parts: Uint8Array[]): Uint8Array {
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  }
  function tsharkFields(tshark: string, file: string, extra: string[]): string {
    const r = spawnSync(
      tshark,
      [
        "-r",
        file,
        ...extra,
        "-Y",
        "tls",
        "-T",
        "fields",
        ...FIELDS.flatMap((f) => ["-e", f]),
        "-E",
        "separator=/t",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }
  const SPLIT_HELLO = `${CAPTURES}/mtls/11c-tls13-mtls-clienthello-split-2-segments.pcap`;

  it("reassembles out-of-order segments like tshark with reassemble_out_of_order", (t) => {
    const tshark = requirePeer(t, "tshark");
    if (!tshark) return;
    // Frames 4 and 6 carry the two halves of the ClientHello: swap them.
    const { header, list } = records(new Uint8Array(readFileSync(SPLIT_HELLO)));
    [list[3], list[5]] = [list[5]!, list[3]!];
    const file = join(tempDir(t), "out-of-order.pcap");
    writeFileSync(file, concat([header, ...list]));
    const decode = ["-d", "tcp.port==21113,tls"];
    const withOoo = tsharkFields(tshark, file, [
      "-o",
      "tcp.reassemble_out_of_order:TRUE",
      ...decode,
    ]);
    const withoutOoo = tsharkFields(tshark, file, decode);
    assert.doesNotMatch(withoutOoo, /^6\t/m); // tshark's default loses the ClientHello
    return ours(file).then((got) => {
      assert.equal(got, withOoo);
      assert.match(got, /^6\t0\t0x0301\t22\t1\t/);
    });
  });

  it("finds TLS on port 80 where tshark needs -d tcp.port==80,tls", (t) => {
    const tshark = requirePeer(t, "tshark");
    if (!tshark) return;
    const { header, list } = records(new Uint8Array(readFileSync(SPLIT_HELLO)));
    for (const rec of list) {
      const tcp = 16 + 14 + (rec[16 + 14]! & 0x0f) * 4;
      for (const at of [tcp, tcp + 2]) {
        if (((rec[at]! << 8) | rec[at + 1]!) === 21113) {
          rec[at] = 0;
          rec[at + 1] = 80;
        }
      }
    }
    const file = join(tempDir(t), "tls-on-80.pcap");
    writeFileSync(file, concat([header, ...list]));
    const ooo = ["-o", "tcp.reassemble_out_of_order:TRUE"];
    assert.equal(tsharkFields(tshark, file, ooo), ""); // HTTP's port: tshark sees no TLS
    const told = tsharkFields(tshark, file, [...ooo, "-d", "tcp.port==80,tls"]);
    return ours(file).then((got) => {
      assert.equal(got, told);
      assert.match(got, /^6\t0\t0x0301\t22\t1\t/m);
    });
  });

  it("reports the pass count", (t) => {
    t.diagnostic(`identical to tshark: ${identical.length}/${total.length}`);
    t.diagnostic(`differing: ${total.filter((f) => !identical.includes(f)).join(", ")}`);
    assert.ok(identical.length >= 44, `${identical.length}/${total.length} identical`);
  });
});

describe("mtls analyze --keylog --format tshark-fields equals the keyed tshark oracles", () => {
  // The committed mtls/ oracles were made with the key log: for the TLS 1.3 scenarios
  // (decrypted by --keylog) our output must equal them byte for byte. TLS 1.2 decryption is
  // not implemented, so the TLS 1.2 scenarios keep their keyless comparison above.
  const tls13 = readdirSync(`${CAPTURES}/mtls`).filter(
    (f) => f.endsWith(".pcap") && /-tls13-/.test(f),
  );
  for (const file of tls13) {
    it(`mtls/${file}`, async () => {
      const base = `${CAPTURES}/mtls/${file}`;
      const keys = base.replace(/\.pcap$/, ".keys");
      assert.equal(await ours(base, "--keylog", keys), readFileSync(`${base}.tshark.tsv`, "utf8"));
    });
  }
});
