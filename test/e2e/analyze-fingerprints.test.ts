import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { requirePeer } from "../helpers/peers.ts";

const ROOT = "../shared/captures";

async function analyzeJson(
  path: string,
): Promise<{ stream: number; ja3: string | null; ja3s: string | null }[]> {
  const { status, stdout } = await runMtls(["analyze", "--json", path]);
  assert.equal(status, 0);
  return stdout
    .trim()
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { stream: number; ja3: string | null; ja3s: string | null });
}

/** tshark's JA3 / JA3S of the first ClientHello / ServerHello of each TCP stream. */
function tsharkFingerprints(
  tshark: string,
  path: string,
): Map<number, { ja3?: string; ja3s?: string }> {
  const r = spawnSync(
    tshark,
    [
      "-r",
      path,
      "-o",
      "tcp.reassemble_out_of_order:TRUE",
      "-Y",
      "tcp && (tls.handshake.type == 1 || tls.handshake.type == 2)",
      "-T",
      "fields",
      "-e",
      "tcp.stream",
      "-e",
      "tls.handshake.ja3",
      "-e",
      "tls.handshake.ja3s",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const out = new Map<number, { ja3?: string; ja3s?: string }>();
  for (const line of r.stdout.split("\n")) {
    const [stream, ja3, ja3s] = line.split("\t");
    if (!stream) continue;
    const e = out.get(Number(stream)) ?? {};
    if (ja3 && e.ja3 === undefined) e.ja3 = ja3.split(",")[0] ?? ja3;
    if (ja3s && e.ja3s === undefined) e.ja3s = ja3s.split(",")[0] ?? ja3s;
    out.set(Number(stream), e);
  }
  return out;
}

describe("JA3 and JA3S agree with tshark 4.0", () => {
  for (const dir of ["ja4", "mtls", "zeek"]) {
    it(`for the first hellos of every TCP stream in ${dir}/`, async (t) => {
      const tshark = requirePeer(t, "tshark");
      if (!tshark) return;
      let compared = 0;
      for (const file of readdirSync(`${ROOT}/${dir}`).filter((f) =>
        /\.(pcap|pcapng)(\.gz)?$/.test(f),
      )) {
        const path = `${ROOT}/${dir}/${file}`;
        const theirs = tsharkFingerprints(tshark, path);
        const ours = new Map((await analyzeJson(path)).map((o) => [o.stream, o]));
        for (const [stream, fp] of theirs) {
          const o = ours.get(stream);
          if (fp.ja3 !== undefined) {
            assert.equal(o?.ja3, fp.ja3, `${file} stream ${stream} JA3`);
            compared++;
          }
          if (fp.ja3s !== undefined) {
            assert.equal(o?.ja3s, fp.ja3s, `${file} stream ${stream} JA3S`);
            compared++;
          }
        }
      }
      assert.ok(compared > 0);
    });
  }
});
