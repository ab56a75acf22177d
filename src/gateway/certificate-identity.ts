/**
 * The identity of a client certificate that authorization rules look at: subject CN, OU
 * and O values, SAN DNS names, URIs and email addresses, and the SHA-256 fingerprint.
 *
 * Source: RFC 5280 §4.1.2.6 (subject), §4.2.1.6 (subjectAltName GeneralName choices).
 * @module
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { SubjectAlternativeNameExtension, X509Certificate } from "@peculiar/x509";
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
  const dns: string[] = [];
  const uri: string[] = [];
  const email: string[] = [];
  const cert = new X509Certificate(der);
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  for (const n of san?.names.items ?? []) {
    if (n.type === "dns") dns.push(n.value);
    else if (n.type === "url") uri.push(n.value);
    else if (n.type === "email") email.push(n.value);
  }
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
