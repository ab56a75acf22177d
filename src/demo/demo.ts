/**
 * `mtls demo`, the main job: the seed's whole mutual-TLS system, end to end, on loopback.
 *
 * 1. A CA (`ca/`) issues the gateway's server certificate, an end-user client certificate,
 *    the gateway's own upstream client certificate and the upstream's server certificate;
 *    another CA ("Rogue CA") issues a client certificate nobody trusts.
 * 2. An mTLS upstream starts; then the gateway, from the seed's nginx config with its
 *    mistakes fixed and paths and ports filled in (`nginx.conf`).
 * 3. The seed's request runs three times: with the client certificate (expect 200 JSON),
 *    without one (expect 400), with the rogue certificate (expect 400).
 * @module
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ClientResponse, request } from "../client/request.ts";
import { renderTrace } from "../client/trace-render.ts";
import { ErrorCode, MtlsError } from "../errors.ts";
import { writeFileAtomic } from "../files.ts";
import { loadNginxGateway } from "../gateway/nginx/load.ts";
import { type RunningGateway, startGateway } from "../gateway/server.ts";
import type { CaMaterial } from "../pki/ca.ts";
import { createRootCa } from "../pki/ca.ts";
import { issueCertificate } from "../pki/issue.ts";
import { initCaStore, recordIssued } from "../pki/store.ts";
import { renderSeedConfig } from "./seed-config.ts";
import { type RunningUpstream, startUpstream } from "./upstream.ts";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Directory for the demo's files (kept afterwards); must be empty or absent. Default: a
   * fresh one under the OS temp dir, removed at the end unless `keep`.
   */
  readonly dir?: string;
  /** Leave the servers running and return them; default false (everything is closed). */
  readonly keep?: boolean;
  /** Print the handshake trace of the first request; default true. */
  readonly trace?: boolean;
  /** Receives each line of output (no trailing newline). */
  readonly print: (line: string) => void;
  /** Per-request timeout in ms; default 10000. */
  readonly timeoutMs?: number;
  /**
   * Aborted on Ctrl-C/SIGTERM: the demo stops at its next step, closes the servers, removes
   * the temporary directory (not `dir`), says so and throws {@link DemoInterrupted}.
   */
  readonly signal?: AbortSignal;
}

/** Thrown by {@link runDemo} when `signal` aborted it; the servers are closed and the files handled. */
export class DemoInterrupted extends Error {
  constructor() {
    super("Demo interrupted");
    this.name = "DemoInterrupted";
  }
}

/** One of the demo's three requests and how it went. */
export interface DemoCheck {
  readonly name: string;
  readonly expected: number;
  /** Status received, or null when the request failed before a response. */
  readonly status: number | null;
  readonly ok: boolean;
  readonly detail: string;
}

/** The result of {@link runDemo}. */
export interface DemoResult {
  readonly dir: string;
  readonly ok: boolean;
  readonly checks: readonly DemoCheck[];
  /** `https://localhost:PORT/test_url` */
  readonly url: string;
  /** Paths of the end-user's files (`cert/client/`). */
  readonly files: Readonly<
    Record<"ca" | "clientCert" | "clientKey" | "rogueCert" | "rogueKey" | "config", string>
  >;
  /** With `keep`: the running servers, to close. */
  readonly servers?: { readonly gateway: RunningGateway; readonly upstream: RunningUpstream };
  /**
   * With `keep`: closes the servers and removes the temporary directory with its keys
   * (unless `dir` was given), printing what it did.
   */
  readonly stop?: () => Promise<void>;
}

/** Finds a TCP port free on both 127.0.0.1 and ::1 (when `ipv6`). */
async function freePort(ipv6: boolean): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce("127.0.0.1", 0);
    if (
      !ipv6 ||
      (await listenOnce("::1", port).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
  throw new MtlsError(ErrorCode.ADDRESS_IN_USE, "Cannot find a free port on 127.0.0.1 and ::1");
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolvePort(p));
    });
  });
}

async function hasIpv6(): Promise<boolean> {
  return listenOnce("::1", 0).then(
    () => true,
    () => false,
  );
}

function prepareDir(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), "mtls-demo-"));
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  if (readdirSync(abs).length > 0) {
    throw new MtlsError(
      ErrorCode.EXISTS,
      `Cannot run the demo in ${abs}: the directory is not empty`,
      {
        hint: "give a new or empty --dir, or omit --dir to use a fresh temporary directory",
      },
    );
  }
  return abs;
}

interface Party {
  readonly certPem: string;
  readonly keyPem: string;
}

async function issueInto(
  store: string | undefined,
  ca: CaMaterial,
  profile: "server" | "client",
  subject: string,
  sans?: string,
): Promise<Party> {
  const issued = await issueCertificate(ca, {
    profile,
    subject,
    ...(sans === undefined ? {} : { sans }),
  });
  if (store) await recordIssued(store, issued);
  return issued;
}

function writeParty(dir: string, name: string, party: Party, caPem: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${name}.cert`), party.certPem);
  writeFileAtomic(join(dir, `${name}.key`), party.keyPem, { mode: 0o600 });
  writeFileAtomic(join(dir, "ca.cert"), caPem, { force: true });
}

function describe(res: ClientResponse): string {
  const type = String(res.headers["content-type"] ?? "");
  const text = new TextDecoder().decode(res.body);
  if (type.includes("json")) {
    try {
      const j = JSON.parse(text) as { client?: { subject?: string } };
      return `JSON from the upstream, which saw client certificate "${j.client?.subject ?? "?"}"`;
    } catch {
      return "invalid JSON";
    }
  }
  const title = /<title>([^<]*)<\/title>/.exec(text)?.[1];
  return title ? `"${title}"` : `${res.body.length} bytes`;
}

/**
 * Runs the demo.
 * @param options output, directory, keep, trace, timeout (ms)
 * @returns the checks and, with `keep`, the running servers
 * @throws {MtlsError} when a server cannot start (`MTLS_ADDRESS_IN_USE`...) or `dir` is not empty
 * @example
 * ```ts
 * const result = await runDemo({ print: console.log });
 * process.exitCode = result.ok ? 0 : 1;
 * ```
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print;
  const dir = prepareDir(options.dir);
  const ipv6 = await hasIpv6();
  print(`mtls demo: the seed's two-way TLS system in ${dir}`);
  print("");

  let upstream: RunningUpstream | undefined;
  let gateway: RunningGateway | undefined;
  const closeAll = async () => {
    await gateway?.close();
    await upstream?.close();
  };
  const removeDir = (why: string) => {
    if (options.dir !== undefined) {
      print(`${why}; the files stay in ${dir}`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
    print(`${why}; removed ${dir} with its keys`);
  };
  const checkpoint = () => {
    if (options.signal?.aborted) throw new DemoInterrupted();
  };
  try {
    checkpoint();
    // 1. Certificates (seed: 证书生成).
    const caDir = join(dir, "ca");
    const ca = await initCaStore(caDir, { subject: "O=mtlskit demo,CN=mtlskit demo CA" });
    const server = await issueInto(
      caDir,
      ca,
      "server",
      "CN=localhost",
      "DNS:localhost,IP:127.0.0.1,IP:::1",
    );
    const client = await issueInto(caDir, ca, "client", "O=mtlskit demo,CN=client-1");
    const gatewayClient = await issueInto(caDir, ca, "client", "O=mtlskit demo,CN=gateway");
    const upstreamServer = await issueInto(
      caDir,
      ca,
      "server",
      "CN=localhost",
      "DNS:localhost,IP:127.0.0.1",
    );
    const rogueCa = await createRootCa({ subject: "CN=Rogue CA" });
    const rogue = await issueInto(undefined, rogueCa, "client", "CN=intruder");

    const certDir = join(dir, "cert"); // the seed's /home/nginx/conf/cert
    writeParty(certDir, "server", server, ca.certPem);
    writeParty(certDir, "client", gatewayClient, ca.certPem); // the gateway's upstream identity
    writeParty(join(certDir, "client"), "client", client, ca.certPem); // the seed's cert/client/
    writeParty(join(dir, "upstream"), "server", upstreamServer, ca.certPem);
    writeParty(join(dir, "rogue"), "client", rogue, rogueCa.certPem);
    print(`1. CA "CN=mtlskit demo CA" in ${caDir} issued:`);
    print("   server cert   CN=localhost (DNS:localhost, IP:127.0.0.1, IP:::1)  cert/server.cert");
    print(
      "   client cert   CN=client-1                                        cert/client/client.cert",
    );
    print("   gateway cert  CN=gateway (its client identity upstream)          cert/client.cert");
    print(
      "   upstream cert CN=localhost                                       upstream/server.cert",
    );
    print('   and a "Rogue CA" issued CN=intruder                              rogue/client.cert');

    // 2. Servers (seed: nginx 代理证书配置).
    checkpoint();
    upstream = await startUpstream({
      certPem: upstreamServer.certPem,
      keyPem: upstreamServer.keyPem,
      caPem: ca.certPem,
    });
    checkpoint();
    const port = await freePort(ipv6);
    const configPath = join(dir, "nginx.conf");
    const errorLog = join(dir, "error.log");
    writeFileSync(
      configPath,
      renderSeedConfig({
        port,
        upstream: `localhost:${upstream.port}`,
        certDir: "cert",
        errorLog: "error.log",
        ipv6,
      }),
    );
    const loaded = loadNginxGateway(configPath);
    checkpoint();
    gateway = await startGateway(loaded.config, { material: loaded.material });
    print("");
    print(`2. upstream (mTLS, JSON) on https://127.0.0.1:${upstream.port}`);
    print(
      `   gateway from ${configPath} (the seed's server block, fixed) on ${gateway.addresses
        .map((a) => (a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`))
        .join(" and ")}; error_log ${errorLog}`,
    );
    for (const d of loaded.diagnostics) print(`   config warning: ${d.message}`);

    // 3. The seed's test script, three ways.
    const url = `https://localhost:${port}/test_url`;
    const headers = [
      ["content-type", "application/json"],
      ["accept", "application/json"],
    ] as const;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const runs: { name: string; expected: number; cert?: Party; trace?: boolean }[] = [
      {
        name: "with the client certificate",
        expected: 200,
        cert: client,
        trace: options.trace ?? true,
      },
      { name: "without a client certificate", expected: 400 },
      { name: "with a certificate from another CA", expected: 400, cert: rogue },
    ];
    const checks: DemoCheck[] = [];
    let trace: string[] | undefined;
    for (const run of runs) {
      checkpoint();
      try {
        const res = await request(url, {
          cacert: ca.certPem,
          headers,
          timeoutMs,
          follow: true,
          trace: run.trace ?? false,
          ...(run.cert ? { cert: run.cert.certPem, key: run.cert.keyPem } : {}),
        });
        if (run.trace && res.trace) trace = renderTrace(res.trace);
        checks.push({
          name: run.name,
          expected: run.expected,
          status: res.status,
          ok: res.status === run.expected,
          detail: `${res.status} ${res.statusText}: ${describe(res)}`,
        });
      } catch (e) {
        checks.push({
          name: run.name,
          expected: run.expected,
          status: null,
          ok: false,
          detail: (e as Error).message,
        });
      }
    }

    print("");
    print(`3. the seed's request: GET ${url} with content-type/accept: application/json`);
    if (trace) {
      print("");
      print(
        `   the TLS handshake of the first request, as the client saw it (the seed's packet walk-through):`,
      );
      for (const line of trace) print(`   ${line}`);
    }
    print("");
    print("Summary");
    for (const c of checks) {
      print(
        `  ${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(36)} expected ${c.expected}, got ${c.detail}`,
      );
    }
    checkpoint();
    const ok = checks.every((c) => c.ok);
    print("");
    print(
      ok
        ? "All three requests behaved as the seed describes."
        : "Some requests did not behave as expected.",
    );

    const files = {
      ca: join(certDir, "client", "ca.cert"),
      clientCert: join(certDir, "client", "client.cert"),
      clientKey: join(certDir, "client", "client.key"),
      rogueCert: join(dir, "rogue", "client.cert"),
      rogueKey: join(dir, "rogue", "client.key"),
      config: configPath,
    };
    if (options.keep) {
      print("");
      print(
        options.dir === undefined
          ? `The servers keep running; Ctrl-C stops them and removes ${dir} with its keys. Try:`
          : `The servers keep running; Ctrl-C stops them (the files stay in ${dir}). Try:`,
      );
      print(
        `  curl --cacert ${files.ca} --cert ${files.clientCert} --key ${files.clientKey} -H 'accept: application/json' ${url}`,
      );
      print(`  curl --cacert ${files.ca} ${url}`);
      print(`  curl --cacert ${files.ca} --cert ${files.rogueCert} --key ${files.rogueKey} ${url}`);
      print(
        `  npx mtls request ${url} --cacert ${files.ca} --cert ${files.clientCert} --key ${files.clientKey} --trace`,
      );
      const stop = async () => {
        await closeAll();
        removeDir("mtls demo: stopped the servers");
      };
      return { dir, ok, checks, url, files, servers: { gateway, upstream }, stop };
    }
    await closeAll();
    if (options.dir === undefined) {
      rmSync(dir, { recursive: true, force: true });
      print("");
      print(
        `(removed ${dir} with its keys; run with --dir DIR to keep the files, --keep to keep the servers)`,
      );
    }
    return { dir, ok, checks, url, files };
  } catch (e) {
    await closeAll();
    if (e instanceof DemoInterrupted) {
      print("");
      removeDir("mtls demo: interrupted, stopped the servers");
    } else if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
