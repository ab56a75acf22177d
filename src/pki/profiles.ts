/**
 * Certificate profiles: what a leaf certificate for a TLS server or client contains
 * (RFC 5280 §4.2.1, CA/Browser Forum Baseline Requirements §7.1.2.7). A profile is data;
 * new ones (intermediate CA, OCSP signer...) are new entries in {@link PROFILES}.
 * @module
 */
import { ErrorCode, MtlsError } from "../errors.ts";

/** Profile names. */
export const ProfileName = {
  /** TLS server: EKU serverAuth, a SAN is required (browsers ignore the CN). */
  SERVER: "server",
  /** TLS client: EKU clientAuth, SANs optional. */
  CLIENT: "client",
  /** Both ends (a service that serves and calls others): EKU serverAuth + clientAuth, SAN required. */
  SERVER_CLIENT: "server-client",
  /** An issuing (intermediate) CA: CA:TRUE, pathLen 0, keyCertSign + cRLSign, no EKU. */
  CA: "ca",
} as const;
/** One of the {@link ProfileName} values. */
export type ProfileName = (typeof ProfileName)[keyof typeof ProfileName];

/** Object identifiers used by the profiles (RFC 5280 §4.2.1.12). */
export const Oid = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  subjectAltName: "2.5.29.17",
} as const;

/** KeyUsage bits as `@peculiar/x509` numbers them (RFC 5280 §4.2.1.3). */
export const KeyUsageBit = {
  digitalSignature: 1,
  keyEncipherment: 4,
  keyCertSign: 32,
  cRLSign: 64,
} as const;

/** What a profile puts in a certificate. */
export interface Profile {
  readonly name: ProfileName;
  /** extendedKeyUsage OIDs (non-critical). */
  readonly extendedKeyUsage: readonly string[];
  /** keyUsage bits for an EC subject key (critical). */
  readonly keyUsageEc: number;
  /** keyUsage bits for an RSA subject key (critical): RSA key transport needs keyEncipherment. */
  readonly keyUsageRsa: number;
  /** Copy the CN into the SAN when the request has no SAN equal to it. */
  readonly copyCommonNameToSan: boolean;
  /** Refuse a request that ends up without any SAN. */
  readonly requireSan: boolean;
  /** Validity when the caller gives none, in days. */
  readonly defaultDays: number;
  /** A CA certificate (basicConstraints CA:TRUE), with this pathLenConstraint when set. */
  readonly ca?: { readonly pathLen?: number };
}

/**
 * The longest leaf validity issued without `allowLongValidity`, in days: Apple platforms
 * refuse TLS server certificates valid longer (Apple, "Requirements for trusted
 * certificates in iOS 13 and macOS 10.15").
 */
export const MAX_LEAF_DAYS = 825;

/** The built-in profiles. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  server: {
    name: "server",
    extendedKeyUsage: [Oid.serverAuth],
    keyUsageEc: KeyUsageBit.digitalSignature,
    keyUsageRsa: KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
    copyCommonNameToSan: true,
    requireSan: true,
    defaultDays: 397,
  },
  client: {
    name: "client",
    extendedKeyUsage: [Oid.clientAuth],
    keyUsageEc: KeyUsageBit.digitalSignature,
    keyUsageRsa: KeyUsageBit.digitalSignature,
    copyCommonNameToSan: false,
    requireSan: false,
    defaultDays: 397,
  },
  "server-client": {
    name: "server-client",
    extendedKeyUsage: [Oid.serverAuth, Oid.clientAuth],
    keyUsageEc: KeyUsageBit.digitalSignature,
    keyUsageRsa: KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
    copyCommonNameToSan: true,
    requireSan: true,
    defaultDays: 397,
  },
  ca: {
    name: "ca",
    extendedKeyUsage: [],
    keyUsageEc: KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign,
    keyUsageRsa: KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign,
    copyCommonNameToSan: false,
    requireSan: false,
    defaultDays: 1825,
    ca: { pathLen: 0 },
  },
};

/**
 * Looks up a profile by name.
 * @throws {MtlsError} `MTLS_USAGE` (exit status 2) for an unknown name
 */
export function getProfile(name: string): Profile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name as ProfileName] : undefined;
  if (!profile) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Unknown profile '${name}': expected ${Object.keys(PROFILES).join(", ")}`,
      { hint: "pass --profile server, client, server-client or ca", details: { profile: name } },
    );
  }
  return profile;
}
