/**
 * Benchmark: issuing ECDSA P-256 client certificates.
 *
 * 1. In-process: `issueCertificate` (key pair + CA signature, no CSR round trip) N times, against an
 *    `openssl req -x509 -CA ca.crt -CAkey ca.key -newkey ec ...` loop doing the same work
 *    (one process per certificate, as a shell script would), in the same run.
 * 2. Cold start: one `mtls pki issue client NAME --ca DIR` command, through `bin/mtls.js`
 *    (tsx) and compiled for this run into `tmp/`, against one `openssl req -x509 -CA`
 *    invocation, median of R runs each.
 *
 * Run: `npm run bench` (or `npx tsx bench/pki-issue.ts [N] [R]`; defaults N=1000, R=7).
 * Prints figures and ratios; asserts nothing (goals live in the issue: in-process ≥ 10×).
 */
import "reflect-metadata";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createRootCa } from "../src/pki/ca.ts";
import { issueCertificate } from "../src/pki/issue.ts";
import { initCaStore } from "../src/pki/store.ts";

const n = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 7);
const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "mtls-bench-pki-"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function opensslIssue(i: number): void {
  execFileSync(
    "openssl",
    ["req", "-x509", "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key")]
      .concat(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"])
      .concat(["-subj", `/CN=client-${i}`, "-days", "397"])
      .concat([
        "-addext",
        "extendedKeyUsage=clientAuth",
        "-addext",
        "keyUsage=critical,digitalSignature",
      ])
      .concat(["-keyout", join(dir, "o.key"), "-out", join(dir, "o.crt")]),
    { stdio: "ignore" },
  );
}

try {
  const version = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
  console.log(`pki-issue benchmark: N=${n} ECDSA P-256 client certificates; peer: ${version}`);
  const ca = await createRootCa({ subject: "CN=Bench CA" });
  await initCaStore(join(dir, "store"), { subject: "CN=Bench Store CA" });
  execFileSync("sh", [
    "-c",
    `cp ${join(dir, "store", "ca.crt")} ${join(dir, "ca.crt")} && cp ${join(dir, "store", "ca.key")} ${join(dir, "ca.key")}`,
  ]);

  // warm-up
  for (let i = 0; i < 20; i++)
    await issueCertificate(ca, { profile: "client", subject: `CN=w${i}` });
  let t0 = performance.now();
  for (let i = 0; i < n; i++)
    await issueCertificate(ca, { profile: "client", subject: `CN=client-${i}` });
  const ours = performance.now() - t0;

  t0 = performance.now();
  for (let i = 0; i < n; i++) opensslIssue(i);
  const theirs = performance.now() - t0;

  console.log(
    `in-process mtlskit : ${ours.toFixed(0)} ms total, ${((n * 1000) / ours).toFixed(0)} certs/s, ${(ours / n).toFixed(2)} ms/cert`,
  );
  console.log(
    `openssl loop       : ${theirs.toFixed(0)} ms total, ${((n * 1000) / theirs).toFixed(0)} certs/s, ${(theirs / n).toFixed(2)} ms/cert`,
  );
  console.log(`ratio (openssl time / mtlskit time): ${(theirs / ours).toFixed(1)}x (goal >= 10x)`);

  // Cold start: through bin/mtls.js (tsx unless dist/ is built) and from a build of the
  // sources compiled for this run (what an installed package runs).
  const distDir = join(root, "tmp", `bench-dist-${process.pid}`);
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
  const entries = {
    "bin/mtls.js": join(root, "bin", "mtls.js"),
    compiled: join(distDir, "cli", "main.js"),
  } as const;
  const one: number[] = [];
  const cold: Record<string, number[]> = {};
  let k = 0;
  for (let r = 0; r < runs; r++) {
    for (const [label, entry] of Object.entries(entries)) {
      const s = performance.now();
      const res = spawnSync(
        process.execPath,
        [
          entry,
          "pki",
          "issue",
          "client",
          `cold-${k++}`,
          "--ca",
          join(dir, "store"),
          "--out-dir",
          dir,
        ],
        { stdio: "ignore" },
      );
      cold[label] = [...(cold[label] ?? []), performance.now() - s];
      if (res.status !== 0) throw new Error(`mtls pki issue (${label}) exited ${res.status}`);
    }
    const s = performance.now();
    opensslIssue(r);
    one.push(performance.now() - s);
  }
  rmSync(distDir, { recursive: true, force: true });
  const opensslMs = median(one);
  console.log(`one 'openssl req -x509 -CA': median ${opensslMs.toFixed(0)} ms over ${runs} runs`);
  for (const [label, times] of Object.entries(cold)) {
    const ms = median(times);
    console.log(
      `cold 'mtls pki issue' (${label}): median ${ms.toFixed(0)} ms over ${runs} runs, ${(ms / opensslMs).toFixed(1)}x openssl`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
