/**
 * Benchmark: issuing ECDSA P-256 client certificates.
 *
 * 1. In-process: `issueCertificate` (key pair + CSR + CA signature) N times, against an
 *    `openssl req -x509 -CA ca.crt -CAkey ca.key -newkey ec ...` loop doing the same work
 *    (one process per certificate, as a shell script would), in the same run.
 * 2. Cold start: one `mtls pki issue client NAME --ca DIR` command against one `openssl req
 *    -x509 -CA` invocation, median of R runs each.
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
    `in-process mtlskit : ${ours.toFixed(0)} ms total, ${((n * 1000) / ours).toFixed(0)} certs/s`,
  );
  console.log(
    `openssl loop       : ${theirs.toFixed(0)} ms total, ${((n * 1000) / theirs).toFixed(0)} certs/s`,
  );
  console.log(`ratio (openssl time / mtlskit time): ${(theirs / ours).toFixed(1)}x (goal >= 10x)`);

  const cold: number[] = [];
  const one: number[] = [];
  for (let r = 0; r < runs; r++) {
    let s = performance.now();
    const res = spawnSync(
      process.execPath,
      [
        join(root, "bin", "mtls.js"),
        "pki",
        "issue",
        "client",
        join(dir, `cold-${r}`),
        "--ca",
        join(dir, "store"),
      ],
      { stdio: "ignore" },
    );
    cold.push(performance.now() - s);
    if (res.status !== 0) throw new Error(`mtls pki issue exited ${res.status}`);
    s = performance.now();
    opensslIssue(r);
    one.push(performance.now() - s);
  }
  const built = "(bin/mtls.js: dist if built, else tsx)";
  console.log(
    `cold 'mtls pki issue' ${built}: median ${median(cold).toFixed(0)} ms over ${runs} runs`,
  );
  console.log(
    `one 'openssl req -x509 -CA'        : median ${median(one).toFixed(0)} ms over ${runs} runs`,
  );
  console.log(`ratio (mtls / openssl): ${(median(cold) / median(one)).toFixed(1)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
