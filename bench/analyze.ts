/**
 * Benchmark: `mtls analyze` against tshark 4.0 on a large capture of many mTLS connections.
 *
 * 1. Builds a capture of at least SIZE MB (default 200) by repeating the 16 shared
 *    `mtls/` captures (Ethernet, IPv4, classic pcap): each repetition gets its own client
 *    address (10.r.r.f), every server port becomes 443 (so tshark dissects TLS without `-d`)
 *    and timestamps are rewritten to grow 100 µs a packet. IP/TCP checksums are left as
 *    they were (neither tool validates them by default).
 * 2. Times, in the same run, each command writing to /dev/null, under `/usr/bin/time`:
 *    - `tshark -r F -Y tls -T json` vs `mtls analyze F --json`
 *    - `tshark -r F -o tcp.reassemble_out_of_order:TRUE -Y tls -T fields -e … (7 fields)` vs
 *      `mtls analyze F --format tshark-fields`
 *    and prints packets/s, MB/s, peak RSS and the ratios.
 *
 * Run: `npm run bench:analyze` (or `npx tsx bench/analyze.ts [SIZE_MB] [--keep] [--build-only]`).
 * Times are wall clock and CPU (user + system) seconds: on a shared machine compare CPU.
 * Asserts nothing; the goals live in the issue (≥ 10× tshark JSON throughput, RSS ≤ 256 MB).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sizeMb = Number(process.argv.find((a, i) => i >= 2 && /^\d+$/.test(a)) ?? 200);
const buildOnly = process.argv.includes("--build-only");
const keep = buildOnly || process.argv.includes("--keep");
const root = join(import.meta.dirname, "..");
const mtlsDir = join(root, "..", "shared", "captures", "mtls");
const dir = mkdtempSync(join(tmpdir(), "mtls-bench-analyze-"));
const capture = join(dir, "many-mtls.pcap");

/** Server ports of the mtls/ scenarios (captures README). */
const SERVER_PORTS = new Set([
  21010, 21021, 21030, 21041, 21050, 21061, 21062, 21071, 21072, 21091, 21092, 21100, 21111, 21113,
  21161, 28000, 28080,
]);

interface Packet {
  readonly data: Uint8Array;
}

function readPcap(path: string): Packet[] {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 || b.readUInt32LE(20) !== 1) {
    throw new Error(`${path}: expected a little-endian microsecond pcap of Ethernet frames`);
  }
  const out: Packet[] = [];
  for (let at = 24; at + 16 <= b.length; ) {
    const caplen = b.readUInt32LE(at + 8);
    out.push({ data: new Uint8Array(b.subarray(at + 16, at + 16 + caplen)) });
    at += 16 + caplen;
  }
  return out;
}

/** Rewrites one Ethernet/IPv4/TCP frame in place: client address and server port. */
function rewrite(frame: Uint8Array, client: readonly number[]): void {
  if (frame[12] !== 0x08 || frame[13] !== 0x00) return; // IPv4 only
  const ihl = (frame[14]! & 0x0f) * 4;
  if (frame[14 + 9] !== 6) return; // TCP only
  const tcp = 14 + ihl;
  const src = (frame[tcp]! << 8) | frame[tcp + 1]!;
  const dst = (frame[tcp + 2]! << 8) | frame[tcp + 3]!;
  if (SERVER_PORTS.has(dst)) {
    frame.set(client, 14 + 12);
    frame[tcp + 2] = 0x01;
    frame[tcp + 3] = 0xbb;
  } else if (SERVER_PORTS.has(src)) {
    frame.set(client, 14 + 16);
    frame[tcp] = 0x01;
    frame[tcp + 1] = 0xbb;
  }
}

function build(): { bytes: number; packets: number; connections: number } {
  const files = readdirSync(mtlsDir)
    .filter((f) => f.endsWith(".pcap"))
    .sort();
  const sources = files.map((f) => readPcap(join(mtlsDir, f)));
  const fd = openSync(capture, "w");
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  let bytes = 24;
  let packets = 0;
  let rep = 0;
  let micros = 1_700_000_000n * 1_000_000n;
  const target = sizeMb * 1024 * 1024;
  while (bytes < target) {
    const chunks: Buffer[] = [];
    for (const [f, list] of sources.entries()) {
      const client = [10, (rep >> 8) & 0xff, rep & 0xff, f + 1];
      for (const p of list) {
        const frame = p.data.slice();
        rewrite(frame, client);
        const rec = Buffer.alloc(16);
        rec.writeUInt32LE(Number(micros / 1_000_000n), 0);
        rec.writeUInt32LE(Number(micros % 1_000_000n), 4);
        rec.writeUInt32LE(frame.length, 8);
        rec.writeUInt32LE(frame.length, 12);
        chunks.push(rec, Buffer.from(frame));
        bytes += 16 + frame.length;
        packets++;
        micros += 100n;
      }
    }
    writeSync(fd, Buffer.concat(chunks));
    rep++;
  }
  closeSync(fd);
  return { bytes, packets, connections: rep * 19 };
}

interface Timing {
  /** Wall clock, seconds. */
  readonly seconds: number;
  /** User + system CPU, seconds. */
  readonly cpu: number;
  readonly rssMb: number;
}

function timed(command: string, args: readonly string[]): Timing {
  const out = join(dir, "time.txt");
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %U %S %M", "-o", out, "sh", "-c", `exec "$0" "$@" > /dev/null`, command, ...args],
    { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr.slice(-500)}`);
  const [seconds, user, system, kb] = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .at(-1)!
    .split(" ");
  return { seconds: Number(seconds), cpu: Number(user) + Number(system), rssMb: Number(kb) / 1024 };
}

/**
 * `mtls` with only the analyze command (other commands cannot affect the figures), run as
 * an installed package runs it: the sources compiled with tsc for this run into the bench's
 * temporary directory (with a `node_modules` link and an ESM package.json beside them).
 * Falls back to the TypeScript sources through tsx when the build fails.
 */
function mtlsEntry(): { args: readonly string[]; label: string; cleanup: () => void } {
  const distDir = join(dir, "dist");
  const cleanup = () => rmSync(distDir, { recursive: true, force: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  try {
    execFileSync(
      process.execPath,
      [
        join(root, "node_modules", "typescript", "bin", "tsc"),
        "-p",
        join(root, "tsconfig.build.json"),
        "--outDir",
        distDir,
      ],
      { stdio: "ignore" },
    );
  } catch {
    // tsc exits non-zero on type errors elsewhere in the tree but still emits.
  }
  if (existsSync(join(distDir, "cli", "analyze.js"))) {
    const runner = join(distDir, "analyze-only.js");
    writeFileSync(
      runner,
      [
        'import { Command } from "commander";',
        'import { registerAnalyze } from "./cli/analyze.js";',
        'import { runProgram } from "./cli/run.js";',
        'const program = new Command("mtls");',
        "registerAnalyze(program);",
        "process.exitCode = await runProgram(program, process.argv.slice(2), process);",
      ].join("\n"),
    );
    return { args: [runner], label: "compiled", cleanup };
  }
  const script = [
    'import { Command } from "commander";',
    `import { registerAnalyze } from ${JSON.stringify(join(root, "src/cli/analyze.ts"))};`,
    `import { runProgram } from ${JSON.stringify(join(root, "src/cli/run.ts"))};`,
    'const program = new Command("mtls");',
    "registerAnalyze(program);",
    "process.exitCode = await runProgram(program, process.argv.slice(1), process);",
  ].join("\n");
  return { args: ["--import", "tsx", "--input-type=module", "-e", script], label: "tsx", cleanup };
}

let entry: ReturnType<typeof mtlsEntry> | undefined;

function mtls(...args: string[]): Timing {
  entry ??= mtlsEntry();
  return timed(process.execPath, [...entry.args, "analyze", ...args]);
}

const FIELDS = [
  "frame.number",
  "tcp.stream",
  "tls.record.version",
  "tls.record.content_type",
  "tls.handshake.type",
  "tls.handshake.ciphersuite",
  "tls.alert_message.desc",
].flatMap((f) => ["-e", f]);

function line(name: string, t: Timing, size: number, packets: number): string {
  const mb = size / 1024 / 1024;
  const rate = (n: number, s: number) =>
    Math.round(n / s)
      .toLocaleString("en-US")
      .padStart(9);
  return [
    name.padEnd(38),
    `wall ${t.seconds.toFixed(1).padStart(6)} s`,
    `cpu ${t.cpu.toFixed(1).padStart(6)} s`,
    `${rate(packets, t.cpu)} packets/s`,
    `${(mb / t.cpu).toFixed(1).padStart(6)} MB/s (per CPU s)`,
    `peak RSS ${t.rssMb.toFixed(0).padStart(4)} MB`,
  ].join("  ");
}

try {
  const started = performance.now();
  const built = build();
  const size = statSync(capture).size;
  console.log(
    `capture: ${(size / 1024 / 1024).toFixed(1)} MB, ${built.packets.toLocaleString("en-US")} packets, ~${built.connections.toLocaleString("en-US")} TLS connections (built in ${((performance.now() - started) / 1000).toFixed(1)} s) at ${capture}`,
  );
  if (buildOnly) process.exit(0);
  entry = mtlsEntry();
  const tsharkJson = timed("tshark", ["-r", capture, "-Y", "tls", "-T", "json"]);
  const oursJson = mtls(capture, "--json");
  const tsharkFields = timed("tshark", [
    "-r",
    capture,
    "-o",
    "tcp.reassemble_out_of_order:TRUE",
    "-Y",
    "tls",
    "-T",
    "fields",
    ...FIELDS,
    "-E",
    "separator=/t",
  ]);
  const oursFields = mtls(capture, "--format", "tshark-fields");
  console.log(line("tshark -Y tls -T json", tsharkJson, size, built.packets));
  console.log(line("mtls analyze --json", oursJson, size, built.packets));
  console.log(line("tshark -Y tls -T fields (7 fields)", tsharkFields, size, built.packets));
  console.log(line("mtls analyze --format tshark-fields", oursFields, size, built.packets));
  console.log(
    `ratios (CPU / wall): --json ${(tsharkJson.cpu / oursJson.cpu).toFixed(1)}× / ${(tsharkJson.seconds / oursJson.seconds).toFixed(1)}× tshark -T json (goal ≥ 10×); tshark-fields ${(tsharkFields.cpu / oursFields.cpu).toFixed(1)}× / ${(tsharkFields.seconds / oursFields.seconds).toFixed(1)}× -T fields; peak RSS ${oursJson.rssMb.toFixed(0)} / ${oursFields.rssMb.toFixed(0)} MB (goal ≤ 256 MB)`,
  );
  console.log(
    `mtls ran ${entry?.label ?? "?"} (${entry?.label === "compiled" ? "tsc build of src/" : "TypeScript through tsx"})`,
  );
} finally {
  entry?.cleanup();
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
