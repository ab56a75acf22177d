import { KeyObject, sign, webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  certificateId,
  parseCertificate,
  publicKeyBits,
  sha1,
} from "../../src/gateway/ocsp/cert-id.ts";
import { ID_PKIX_OCSP_NONCE } from "../../src/gateway/ocsp/ocsp-request.ts";
import { loadX509 } from "../../src/pki/load-x509.ts";

/** A certificate (DER) with its private key. */
export interface Issued {
  readonly der: Uint8Array;
  readonly key: KeyObject;
}

/** The PKI of the OCSP unit tests, valid through 2026 (fixed dates, no wall clock). */
export interface OcspFixtures {
  readonly ca: Issued;
  /** Client certificate issued by `ca`, with an AIA OCSP URL `http://ocsp.test/`. */
  readonly leaf: Issued;
  /** Client certificate issued by `ca` without AIA. */
  readonly bare: Issued;
  /** Delegated responder: issued by `ca`, EKU OCSPSigning. */
  readonly signer: Issued;
  /** Issued by `ca`, but without the OCSPSigning EKU. */
  readonly noEku: Issued;
  /** A self-signed certificate nobody trusts, EKU OCSPSigning. */
  readonly rogue: Issued;
  /** An intermediate CA issued by `ca`, and a client certificate it issued (serial 0d01). */
  readonly intermediate: Issued;
  readonly subLeaf: Issued;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const NOT_BEFORE = new Date("2026-01-01T00:00:00Z");
const NOT_AFTER = new Date("2027-01-01T00:00:00Z");

let made: Promise<OcspFixtures> | undefined;

/**
 * Makes (once per process) a CA, two clients, a delegated responder, an EKU-less signer and a
 * rogue signer with `@peculiar/x509` (ECDSA P-256).
 * @returns the fixtures
 */
export function ocspFixtures(): Promise<OcspFixtures> {
  made ??= make();
  return made;
}

async function make(): Promise<OcspFixtures> {
  const x509 = await loadX509();
  const keys = () =>
    webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]) as Promise<webcrypto.CryptoKeyPair>;
  const caKeys = await keys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=OCSP Unit CA",
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  const issue = async (
    serialNumber: string,
    cn: string,
    eku: string[],
    extra: InstanceType<typeof x509.Extension>[] = [],
  ): Promise<Issued> => {
    const k = await keys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: `CN=${cn}`,
      issuer: ca.subject,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      publicKey: k.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [new x509.ExtendedKeyUsageExtension(eku), ...extra],
    });
    return { der: new Uint8Array(cert.rawData), key: KeyObject.from(k.privateKey) };
  };
  const aia = new x509.AuthorityInfoAccessExtension({ ocsp: ["http://ocsp.test/"] });
  const intKeys = await keys();
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: "0e01",
    subject: "CN=OCSP Unit Intermediate",
    issuer: ca.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: intKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const subKeys = await keys();
  const subLeaf = await x509.X509CertificateGenerator.create({
    serialNumber: "0d01",
    subject: "CN=client-3",
    issuer: intermediate.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: subKeys.publicKey,
    signingKey: intKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.2"])],
  });
  const rogueKeys = await keys();
  const rogue = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "0c01",
    name: "CN=rogue",
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys: rogueKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.9"])],
  });
  return {
    ca: { der: new Uint8Array(ca.rawData), key: KeyObject.from(caKeys.privateKey) },
    leaf: await issue("0a01", "client-1", ["1.3.6.1.5.5.7.3.2"], [aia]),
    bare: await issue("0a02", "client-2", ["1.3.6.1.5.5.7.3.2"]),
    signer: await issue("0b01", "ocsp-signer", ["1.3.6.1.5.5.7.3.9"]),
    noEku: await issue("0b02", "not-a-signer", ["1.3.6.1.5.5.7.3.2"]),
    rogue: { der: new Uint8Array(rogue.rawData), key: KeyObject.from(rogueKeys.privateKey) },
    intermediate: {
      der: new Uint8Array(intermediate.rawData),
      key: KeyObject.from(intKeys.privateKey),
    },
    subLeaf: { der: new Uint8Array(subLeaf.rawData), key: KeyObject.from(subKeys.privateKey) },
  };
}

/** What {@link buildOcspResponse} puts in the response. */
export interface ResponseSpec {
  /** The certificate answered for, and its issuer. */
  readonly cert: Uint8Array;
  readonly issuer: Uint8Array;
  /** Who signs (its certificate is included unless it is the issuer or `includeSigner` is false). */
  readonly signer: Issued;
  readonly status: "good" | "revoked" | "unknown";
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Nonce to echo; default none. */
  readonly nonce?: Uint8Array;
  /** ResponderID by key hash instead of by name. */
  readonly byKey?: boolean;
  readonly includeSigner?: boolean;
  /** Flip a byte of the signature. */
  readonly badSignature?: boolean;
  /** A non-successful responseStatus (no responseBytes). */
  readonly responseStatus?: number;
}

/**
 * Builds and signs a DER OCSPResponse with pkijs (signature by node:crypto, ECDSA SHA-256).
 * @param spec what to answer
 * @returns the DER bytes
 */
export function buildOcspResponse(spec: ResponseSpec): Uint8Array {
  if (spec.responseStatus !== undefined) {
    const r = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: spec.responseStatus }),
    });
    return new Uint8Array(r.toSchema().toBER());
  }
  const signerCert = parseCertificate(spec.signer.der);
  const id = certificateId(parseCertificate(spec.cert), parseCertificate(spec.issuer));
  const certStatus =
    spec.status === "good"
      ? new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } })
      : spec.status === "unknown"
        ? new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } })
        : new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 1 },
            value: [
              new asn1js.GeneralizedTime({ valueDate: new Date("2026-03-01T00:00:00Z") }),
              new asn1js.Constructed({
                idBlock: { tagClass: 3, tagNumber: 0 },
                value: [new asn1js.Enumerated({ value: 1 })],
              }),
            ],
          });
  const basic = new pkijs.BasicOCSPResponse();
  const data = basic.tbsResponseData;
  data.responderID = spec.byKey
    ? new asn1js.OctetString({ valueHex: sha1(publicKeyBits(signerCert)) })
    : signerCert.subject;
  data.producedAt = spec.thisUpdate;
  data.responses = [
    new pkijs.SingleResponse({
      certID: id.certId,
      certStatus,
      thisUpdate: spec.thisUpdate,
      ...(spec.nextUpdate ? { nextUpdate: spec.nextUpdate } : {}),
    }),
  ];
  if (spec.nonce) {
    data.responseExtensions = [
      new pkijs.Extension({
        extnID: ID_PKIX_OCSP_NONCE,
        extnValue: new asn1js.OctetString({ valueHex: spec.nonce }).toBER(),
      }),
    ];
  }
  basic.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.10045.4.3.2" });
  const tbs = new Uint8Array(data.toSchema(true).toBER());
  data.tbsView = tbs;
  const signature = new Uint8Array(sign("sha256", tbs, spec.signer.key));
  if (spec.badSignature) signature[10] = (signature[10] ?? 0) ^ 0x01;
  basic.signature = new asn1js.BitString({ valueHex: signature });
  const isIssuer = spec.signer.der === spec.issuer;
  if (!isIssuer && spec.includeSigner !== false) basic.certs = [signerCert];
  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({
      responseType: "1.3.6.1.5.5.7.48.1.1",
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER() }),
    }),
  });
  return new Uint8Array(response.toSchema().toBER());
}
