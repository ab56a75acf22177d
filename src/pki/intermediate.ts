/**
 * Issuing (intermediate) CAs: a CA certificate signed by a parent CA with basicConstraints
 * CA:TRUE and pathLenConstraint 0 by default (it may issue leaves only), keyUsage
 * keyCertSign + cRLSign and optional name constraints (RFC 5280 §4.2.1.9, §4.2.1.10).
 * Keeping the root offline and issuing from an intermediate limits what a stolen issuing
 * key can do.
 * @module
 */
import { createPublicKey } from "node:crypto";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { CaMaterial } from "./ca.ts";
import { generateKeyObjects, type KeyType, privateKeyPem } from "./keys.ts";
import { loadX509 } from "./load-x509.ts";
import { type NameConstraints, nameConstraintsExtension } from "./name-constraints.ts";
import type { RandomBytes } from "./serial.ts";
import { type IssuedCertificate, signPublicKey } from "./sign.ts";
import { commonNameOf, parseSubject, subjectToJsonName, subjectToText } from "./subject.ts";

/** Default subject of an intermediate CA. */
export const DEFAULT_INTERMEDIATE_SUBJECT = "CN=mtlskit Issuing CA";

/** Options of {@link createIntermediateCa}. */
export interface CreateIntermediateOptions {
  /** Subject (DER order, see `parseSubject`); default `CN=mtlskit Issuing CA`. */
  readonly subject?: string;
  /** Validity in days; default 1825, and never past the parent's notAfter. */
  readonly days?: number;
  /** Key type; default `ec-p256`. */
  readonly keyType?: KeyType;
  /** pathLenConstraint; default 0 (issues leaves only). */
  readonly pathLen?: number;
  /** Permitted subtrees; default none (unconstrained). */
  readonly nameConstraints?: NameConstraints;
  /** Encrypt the new key's PEM with this passphrase; default none. */
  readonly passphrase?: string;
  /** Serial in hex; default a fresh random one. */
  readonly serial?: string;
  /** Issuance time; default `new Date()`. */
  readonly now?: Date;
  /** Random source for the serial; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
}

/**
 * Creates an intermediate CA signed by `parent`.
 * @param parent the signing CA (a root, or an intermediate whose pathLen allows it)
 * @returns the new CA (its `chainPem` = its certificate + the parent's chain; `rootPem` the
 *   parent's root) and the certificate as issued, for the parent's index
 * @throws {MtlsError} `MTLS_PKI_POLICY` for a validity past the parent's notAfter,
 *   `MTLS_PKI_BAD_INPUT` for a bad subject
 * @example
 * ```ts
 * const issuing = await createIntermediateCa(root, { nameConstraints: { dns: ["example.com"], ip: [], uri: [] } });
 * ```
 */
export async function createIntermediateCa(
  parent: CaMaterial,
  options: CreateIntermediateOptions = {},
): Promise<{ readonly ca: CaMaterial; readonly issued: IssuedCertificate }> {
  const x509 = await loadX509();
  const parentPathLen = parent.cert.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (parentPathLen === 0) {
    throw new MtlsError(
      ErrorCode.PKI_POLICY,
      `Cannot create an intermediate under '${parent.cert.subject}': its pathLen 0 allows no CA below it`,
      { hint: "sign intermediates with the root CA", details: { parent: parent.cert.subject } },
    );
  }
  const subject = parseSubject(options.subject ?? DEFAULT_INTERMEDIATE_SUBJECT);
  const key = (await generateKeyObjects(options.keyType)).privateKey;
  const nc = options.nameConstraints;
  const constrained = nc && nc.dns.length + nc.ip.length + nc.uri.length > 0;
  const issued = await signPublicKey(
    parent,
    {
      subjectName: subjectToJsonName(subject),
      subjectText: subjectToText(subject),
      commonName: commonNameOf(subject),
      sans: [],
      spki: new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" })),
      rsa: key.asymmetricKeyType === "rsa",
      ...(constrained ? { extensions: [nameConstraintsExtension(nc)] } : {}),
    },
    {
      profile: "ca",
      pathLen: options.pathLen ?? 0,
      ...(options.days === undefined ? {} : { days: options.days }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.serial === undefined ? {} : { serial: options.serial }),
      ...(options.random === undefined ? {} : { random: options.random }),
    },
  );
  const ca: CaMaterial = {
    certPem: issued.certPem,
    keyPem: privateKeyPem(key, options.passphrase),
    cert: new x509.X509Certificate(issued.certPem),
    key,
    chainPem: issued.certPem + parent.chainPem,
    rootPem: parent.rootPem,
  };
  return { ca, issued };
}
