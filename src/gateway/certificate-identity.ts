/**
 * The identity of a client certificate that authorization rules look at: subject CN, OU
 * and O values, SAN DNS names, URIs and email addresses, and the SHA-256 fingerprint.
 *
 * Source: RFC 5280 §4.1.2.6 (subject), §4.2.1.6 (subjectAltName GeneralName choices).
 * @module
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { type BaseBlock, Constructed, fromBER, ObjectIdentifier, OctetString } from "asn1js";
import type { CertificateIdentity } from "./authorize.ts";
import { type ConnectionFactsOptions, connectionFacts } from "./connection-facts.ts";
import { formatNameRfc2253, readCertificateFields, readName } from "./distinguished-name.ts";

/**
 * Reads the identity of a DER certificate.
 * @param der the leaf certificate (DER)
 * @param verified whether its chain verified
 * @returns the identity; SAN lists are empty when the certificate has no SAN extension
 * @throws {ParseError} when the DER is not a certificate
 * @example
 * ```ts
 * certificateIdentity(der, true).uri; // ["spiffe://example.org/ns/prod/sa/web"]
 * ```
 */
export function certificateIdentity(der: Uint8Array, verified: boolean): CertificateIdentity {
  const subjectName = readCertificateFields(der).subject;
  const attributes = readName(subjectName);
  const values = (type: string) =>
    attributes.flatMap((a) => (a.type === type && a.value !== undefined ? [a.value] : []));
  const { dns, uri, email } = subjectAltNames(der);
  return {
    verified,
    subject: formatNameRfc2253(subjectName),
    cn: values("CN"),
    ou: values("OU"),
    o: values("O"),
    dns,
    uri,
    email,
    sha256: createHash("sha256").update(der).digest("hex"),
  };
}

/** `id-ce-subjectAltName` (RFC 5280 §4.2.1.6). */
const SAN_OID = "2.5.29.17";

function blocks(b: BaseBlock | undefined): BaseBlock[] {
  return b instanceof Constructed ? b.valueBlock.value : [];
}

/**
 * The dNSName [2], rfc822Name [1] and uniformResourceIdentifier [6] entries of the
 * subjectAltName extension, read with asn1js (not `@peculiar/x509`, which needs the
 * `reflect-metadata` polyfill loaded first and costs ~0.4 s to load).
 */
function subjectAltNames(der: Uint8Array): { dns: string[]; uri: string[]; email: string[] } {
  const out = { dns: [] as string[], uri: [] as string[], email: [] as string[] };
  const cert = fromBER(der).result;
  const tbs = blocks(cert)[0];
  const extensions = blocks(tbs).find((b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 3);
  for (const ext of blocks(blocks(extensions)[0])) {
    const [oid, ...rest] = blocks(ext);
    if (!(oid instanceof ObjectIdentifier) || oid.valueBlock.toString() !== SAN_OID) continue;
    const value = rest.at(-1);
    if (!(value instanceof OctetString)) continue;
    for (const name of blocks(fromBER(value.valueBlock.valueHexView).result)) {
      if (name.idBlock.tagClass !== 3) continue;
      const text = Buffer.from(
        (name as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView,
      ).toString("latin1");
      if (name.idBlock.tagNumber === 1) out.email.push(text);
      else if (name.idBlock.tagNumber === 2) out.dns.push(text);
      else if (name.idBlock.tagNumber === 6) out.uri.push(text);
    }
  }
  return out;
}

const identities = new WeakMap<TLSSocket, CertificateIdentity | null>();

/**
 * The identity of a connection's client certificate, read once per socket from its
 * {@link connectionFacts} (so `verified` includes the gateway's `ssl_verify_depth` check;
 * a resumed session reports what its full handshake proved).
 * @param socket the client's socket
 * @param options how the verify outcome is decided (the server block's `facts`)
 * @returns the identity, or undefined when the client sent no certificate
 */
export function socketIdentity(
  socket: TLSSocket,
  options: ConnectionFactsOptions = {},
): CertificateIdentity | undefined {
  const hit = identities.get(socket);
  if (hit !== undefined) return hit ?? undefined;
  const facts = connectionFacts(socket, options);
  const leaf = facts.peer?.chain[0];
  const identity = leaf ? certificateIdentity(leaf, facts.verify.kind === "success") : undefined;
  identities.set(socket, identity ?? null);
  return identity;
}
