/**
 * Loads the files a gateway configuration names (certificates, keys, CA bundles) and
 * checks them before anything listens: readable, PEM that decodes, every private key the
 * key of its certificate. Every problem is collected with the location of the directive
 * that named the file (nginx reports key mismatches without a line; we name both files).
 * @module
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { ErrorCode } from "../errors.ts";
import { describeReadError, readRegularFile } from "../files.ts";
import { sameKeyTypeWarnings } from "./certificate-slots.ts";
import type { FileRef, GatewayConfig, LocationConfig, ServerConfig } from "./config.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { decryptKey, isEncryptedKey, parsePasswordFile } from "./key-passphrases.ts";
import { nodeTicketKey } from "./ticket-keys.ts";

/** PEM bytes for one TLS endpoint. */
export interface PemMaterial {
  /** Certificate chain, leaf first (PEM). */
  readonly cert?: Buffer;
  /** Private key (PEM). */
  readonly key?: Buffer;
  /** Trusted CA certificates (PEM). */
  readonly ca?: Buffer;
  /** Certificate revocation lists (PEM), server side only (`ssl_crl`). */
  readonly crl?: Buffer;
  /** Further certificate chains and their keys (PEM), server side only, in config order. */
  readonly extra?: readonly { readonly cert: Buffer; readonly key: Buffer }[];
  /** Node's 48-byte ticket key from the first `ssl_session_ticket_key` file, server side only. */
  readonly ticketKeys?: Buffer;
}

/** What one server block needs: its own material, and one entry per location. */
export interface ServerMaterial {
  readonly tls: PemMaterial;
  /** Parallel to `ServerConfig.locations`: the upstream side of each location. */
  readonly upstreams: readonly PemMaterial[];
}

/** Material for the whole config, parallel to `GatewayConfig.servers`. */
export interface GatewayMaterial {
  readonly servers: readonly ServerMaterial[];
  /** Parallel to `GatewayConfig.streams` (one entry in `upstreams`: the upstream TLS side). */
  readonly streams?: readonly ServerMaterial[];
}

/** Options of {@link loadTlsMaterial}. */
export interface LoadMaterialOptions {
  /** Reads a file; default `readRegularFile` (regular files up to 16 MiB). */
  readonly readFile?: (path: string) => Buffer;
}

/** Result of {@link loadTlsMaterial}: `material` when no diagnostic is an error. */
export interface LoadMaterialResult {
  readonly material?: GatewayMaterial;
  readonly diagnostics: readonly Diagnostic[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g;

/**
 * Reads and checks every certificate, key and CA file of `config`.
 * @param config a config from an importer
 * @param options `readFile` (injectable for tests)
 * @returns `{ material, diagnostics }`; `material` is absent when anything failed
 */
export function loadTlsMaterial(
  config: GatewayConfig,
  options: LoadMaterialOptions = {},
): LoadMaterialResult {
  const readFile = options.readFile ?? ((p: string) => readRegularFile(p));
  const diagnostics: Diagnostic[] = [];
  const report = (code: Diagnostic["code"], message: string, ref: FileRef, hint?: string) => {
    diagnostics.push({
      severity: "error",
      code,
      message,
      ...(hint ? { hint } : {}),
      ...(ref.location ? { location: ref.location } : {}),
    });
  };
  const read = (ref: FileRef, directive: string): Buffer | undefined => {
    const what = ref.setting ?? directive;
    try {
      return readFile(ref.path);
    } catch (e) {
      report(
        ErrorCode.FILE,
        `Cannot read ${what} ${ref.path}: ${describeReadError(e)}`,
        ref,
        "check the path; relative paths resolve against the configuration file's directory",
      );
      return undefined;
    }
  };
  const certs = (
    ref: FileRef,
    directive: string,
  ): { pem: Buffer; leaf: X509Certificate } | undefined => {
    const pem = read(ref, directive);
    const what = ref.setting ?? directive;
    if (!pem) return undefined;
    const blocks = pem.toString("latin1").match(PEM_CERT) ?? [];
    if (blocks.length === 0) {
      report(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot load ${what} ${ref.path}: no PEM certificate in the file`,
        ref,
        "expecting -----BEGIN CERTIFICATE-----",
      );
      return undefined;
    }
    let leaf: X509Certificate | undefined;
    for (const [i, b] of blocks.entries()) {
      try {
        const c = new X509Certificate(b);
        leaf ??= c;
      } catch (e) {
        report(
          ErrorCode.PKI_BAD_INPUT,
          `Cannot load ${what} ${ref.path}: certificate ${i + 1} does not decode: ${(e as Error).message}`,
          ref,
        );
        return undefined;
      }
    }
    return leaf ? { pem, leaf } : undefined;
  };
  const crls = (ref: FileRef): Buffer | undefined => {
    const pem = read(ref, "ssl_crl");
    if (!pem) return undefined;
    const what = ref.setting ?? "ssl_crl";
    const blocks = [...pem.toString("latin1").matchAll(PEM_CRL)];
    const bad = blocks.findIndex((m) => !isDerSequence(Buffer.from(m[1] ?? "", "base64")));
    if (blocks.length === 0 || bad >= 0) {
      report(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot load ${what} ${ref.path}: ${blocks.length === 0 ? "no PEM CRL in the file" : `CRL ${bad + 1} does not decode`}`,
        ref,
        "expecting -----BEGIN X509 CRL----- blocks, e.g. from `openssl ca -gencrl`",
      );
      return undefined;
    }
    return pem;
  };
  const key = (
    ref: FileRef,
    directive: string,
    passwords?: Passwords,
  ): { pem: Buffer; key: KeyObject } | undefined => {
    const pem = read(ref, directive);
    const what = ref.setting ?? directive;
    if (!pem) return undefined;
    if (isEncryptedKey(pem) && directive === "ssl_certificate_key") {
      const problem = encryptedKeyProblem(pem, passwords);
      if (typeof problem !== "string") return problem;
      report(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot load ${what} ${ref.path}: ${problem}`,
        ref,
        passwords
          ? `check the passphrases in ${passwords.ref.path} (one per line, tried in order)`
          : ref.setting
            ? "add passwordFile (a file with the key's passphrase) beside the key, or store the key unencrypted"
            : "add `ssl_password_file FILE;` with the key's passphrase, or store the key unencrypted",
      );
      return undefined;
    }
    try {
      return { pem, key: createPrivateKey(pem) };
    } catch (e) {
      report(
        ErrorCode.PKI_BAD_INPUT,
        `Cannot load ${what} ${ref.path}: not a usable private key: ${(e as Error).message}`,
        ref,
        "expecting an unencrypted PEM private key",
      );
      return undefined;
    }
  };
  const pair = (
    certRef: FileRef | undefined,
    keyRef: FileRef | undefined,
    names: readonly [string, string],
    passwords?: Passwords,
  ): Pick<PemMaterial, "cert" | "key"> & { leaf?: X509Certificate } => {
    const c = certRef ? certs(certRef, names[0]) : undefined;
    const k = keyRef ? key(keyRef, names[1], passwords) : undefined;
    if (c && k && keyRef && certRef && !c.leaf.checkPrivateKey(k.key)) {
      report(
        ErrorCode.PKI_KEY_MISMATCH,
        `Key does not match certificate: ${keyRef.path} is not the private key of ${certRef.path}`,
        keyRef,
        `point ${keyRef.setting ?? names[1]} at the key the certificate was issued for`,
      );
    }
    return {
      ...(c ? { cert: c.pem, leaf: c.leaf } : {}),
      ...(k ? { key: k.pem } : {}),
    };
  };
  const ticketKey = (ref: FileRef): Buffer | undefined => {
    const bytes = read(ref, "ssl_session_ticket_key");
    if (!bytes) return undefined;
    const k = nodeTicketKey(bytes);
    if (k.ok) return k.key;
    report(
      ErrorCode.CONFIG_INVALID,
      `Cannot load ${ref.setting ?? "ssl_session_ticket_key"} ${ref.path}: ${k.reason}`,
      ref,
      "make one with `openssl rand 80 > ticket.key` (nginx reads 48- or 80-byte keys)",
    );
    return undefined;
  };
  const passwordFile = (ref: FileRef): Passwords | undefined => {
    const bytes = read(ref, "ssl_password_file");
    if (!bytes) return undefined;
    const parsed = parsePasswordFile(bytes);
    if (parsed.ok) return { ref, passphrases: parsed.passphrases };
    report(
      ErrorCode.CONFIG_INVALID,
      `Cannot load ${ref.setting ?? "ssl_password_file"} ${ref.path}: ${parsed.reason}`,
      ref,
      "put one passphrase per line",
    );
    return undefined;
  };
  const serverMaterial = (
    s: Pick<ServerConfig, "tls"> & {
      readonly locations: readonly Pick<LocationConfig, "upstreamTls">[];
    },
  ): ServerMaterial => {
    const names = ["ssl_certificate", "ssl_certificate_key"] as const;
    const passwords = s.tls.passwordFile ? passwordFile(s.tls.passwordFile) : undefined;
    const { cert, key: k, leaf } = pair(s.tls.certificate, s.tls.certificateKey, names, passwords);
    const extraPairs = (s.tls.extraCertificates ?? []).map((x) => ({
      ref: x.certificate,
      ...pair(x.certificate, x.certificateKey, names, passwords),
    }));
    const extra = extraPairs.flatMap((p) =>
      p.cert && p.key ? [{ cert: p.cert, key: p.key }] : [],
    );
    diagnostics.push(
      ...sameKeyTypeWarnings([
        { ref: s.tls.certificate, ...(leaf ? { leaf } : {}) },
        ...extraPairs,
      ]),
    );
    const clientCa = s.tls.clientCertificate
      ? certs(s.tls.clientCertificate, "ssl_client_certificate")?.pem
      : undefined;
    const trusted = s.tls.trustedCertificate
      ? certs(s.tls.trustedCertificate, "ssl_trusted_certificate")?.pem
      : undefined;
    const caParts = [clientCa, trusted].filter((b): b is Buffer => b !== undefined);
    const ca =
      caParts.length > 1
        ? Buffer.concat(caParts.flatMap((b) => [b, Buffer.from("\n")]))
        : caParts[0];
    const crl = s.tls.crl ? crls(s.tls.crl) : undefined;
    const ticketKeys = (s.tls.sessionTicketKeys ?? []).map(ticketKey)[0];
    const upstreams = s.locations.map((l): PemMaterial => {
      const u = l.upstreamTls;
      const { leaf: _, ...p } = pair(u.certificate, u.certificateKey, [
        "proxy_ssl_certificate",
        "proxy_ssl_certificate_key",
      ]);
      const trusted = u.trustedCertificate
        ? certs(u.trustedCertificate, "proxy_ssl_trusted_certificate")?.pem
        : undefined;
      return { ...p, ...(trusted ? { ca: trusted } : {}) };
    });
    return {
      tls: {
        ...(cert ? { cert } : {}),
        ...(k ? { key: k } : {}),
        ...(ca ? { ca } : {}),
        ...(crl ? { crl } : {}),
        ...(extra.length > 0 ? { extra } : {}),
        ...(ticketKeys ? { ticketKeys } : {}),
      },
      upstreams,
    };
  };
  const servers = config.servers.map(serverMaterial);
  const streams = config.streams?.map((st) =>
    serverMaterial({ tls: st.tls, locations: [{ upstreamTls: st.upstreamTls }] }),
  );
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { material: { servers, ...(streams ? { streams } : {}) }, diagnostics };
}

/** The passphrases of one server block's `ssl_password_file`. */
interface Passwords {
  readonly ref: FileRef;
  readonly passphrases: readonly Buffer[];
}

/** Decrypts an encrypted key, or says why it cannot be: no password file, or none works. */
function encryptedKeyProblem(
  pem: Buffer,
  passwords: Passwords | undefined,
): { pem: Buffer; key: KeyObject } | string {
  if (!passwords) return `the key is encrypted and no ssl_password_file is given`;
  const d = decryptKey(pem, passwords.passphrases);
  if (d.ok) return { pem: d.pem, key: d.key };
  const n = passwords.passphrases.length;
  return `the key is encrypted and none of the ${n} passphrase${n === 1 ? "" : "s"} in ${passwords.ref.path} decrypts it`;
}

/** A DER SEQUENCE whose length covers the whole buffer (enough to catch a broken paste). */
function isDerSequence(der: Buffer): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1] as number;
  if (first < 0x80) return 2 + first === der.length;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return false;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] as number);
  return 2 + n + len === der.length;
}
