/**
 * Readable text for `mtls pki inspect`, in the manner of `step certificate inspect
 * --short`: one labelled line per field, validity in words ("expires in 397 days").
 * @module
 */
import type { KeyDescription, PkiInfo, ValidityState } from "./inspect.ts";

/** Colon-separated upper-case hex, as openssl prints fingerprints and key identifiers. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

/** `EC P-256`, `RSA 2048 bits`, `Ed25519`. */
export function keyText(key: KeyDescription): string {
  if (key.type === "EC") return `EC ${key.curve}`;
  if (key.type === "RSA") return `RSA ${key.bits} bits`;
  return key.type;
}

/** "expires in 397 days", "expired 3 days ago", "not valid for another 2 days". */
export function validityText(v: ValidityState): string {
  const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
  switch (v.state) {
    case "valid":
      return v.days === 0 ? "expires within a day" : `expires in ${days(v.days)}`;
    case "expired":
      return v.days === 0 ? "EXPIRED today" : `EXPIRED ${days(v.days)} ago`;
    case "not-yet-valid":
      return `NOT YET VALID: starts in ${days(v.days)}`;
  }
}

function rows(title: string, fields: readonly (readonly [string, string | undefined])[]): string {
  const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(...present.map(([k]) => k.length)) + 2;
  return `${title}\n${present.map(([k, v]) => `  ${`${k}:`.padEnd(width)}${v}`).join("\n")}\n`;
}

const list = (xs: readonly string[]) => (xs.length === 0 ? "(none)" : xs.join(", "));

/**
 * Renders one inspected object as text.
 * @param info what `inspectObject` returned
 * @param source e.g. `server.crt` or `chain.pem #2`, shown in the title
 */
export function renderInspection(info: PkiInfo, source: string): string {
  switch (info.kind) {
    case "certificate": {
      const bc = info.basicConstraints;
      return rows(`Certificate (${source})`, [
        ["Subject", info.subject || "(empty)"],
        ["Issuer", info.selfIssued ? `${info.issuer} (self-issued)` : info.issuer],
        ["Serial", info.serial],
        ["Not before", info.notBefore],
        ["Not after", `${info.notAfter} (${validityText(info.validity)})`],
        ["Public key", `${keyText(info.publicKey)}, SPKI SHA-256 ${info.publicKey.spkiSha256}`],
        ["Signature", info.signatureAlgorithm],
        ["SANs", list(info.sans)],
        ["Key usage", list(info.keyUsage)],
        ["Extended key usage", list(info.extendedKeyUsage)],
        [
          "Basic constraints",
          bc
            ? `CA:${bc.ca ? "TRUE" : "FALSE"}${bc.pathLen === undefined ? "" : `, pathLen:${bc.pathLen}`}`
            : "(none)",
        ],
        [
          "Name constraints",
          info.nameConstraints
            ? `permitted ${list([
                ...info.nameConstraints.dns.map((d) => `DNS:${d}`),
                ...info.nameConstraints.ip.map((r) => `IP:${r.address}/${r.prefix}`),
                ...info.nameConstraints.uri.map((u) => `URI:${u}`),
              ])}`
            : undefined,
        ],
        ["Subject key ID", info.subjectKeyId ? colonHex(info.subjectKeyId) : undefined],
        ["Authority key ID", info.authorityKeyId ? colonHex(info.authorityKeyId) : undefined],
        ["SHA-256 fingerprint", colonHex(info.fingerprints.sha256)],
        ["SHA-1 fingerprint", colonHex(info.fingerprints.sha1)],
      ]);
    }
    case "csr":
      return rows(`Certificate request (${source})`, [
        ["Subject", info.subject || "(empty)"],
        ["Public key", `${keyText(info.publicKey)}, SPKI SHA-256 ${info.publicKey.spkiSha256}`],
        [
          "Signature",
          `${info.signatureAlgorithm}, ${info.signatureValid ? "verifies" : "DOES NOT VERIFY"}`,
        ],
        ["Requested SANs", list(info.sans)],
      ]);
    case "crl":
      return rows(`CRL (${source})`, [
        ["Issuer", info.issuer],
        ["CRL number", info.crlNumber === undefined ? undefined : String(info.crlNumber)],
        ["This update", info.thisUpdate],
        [
          "Next update",
          info.nextUpdate === undefined
            ? "(none)"
            : `${info.nextUpdate} (${(info.nextUpdateInDays ?? 0) < 0 ? `STALE: ${-(info.nextUpdateInDays ?? 0)} days past` : `in ${info.nextUpdateInDays} days`})`,
        ],
        ["Signature", info.signatureAlgorithm],
        [
          "Revoked",
          info.revoked.length === 0
            ? "(none)"
            : info.revoked
                .map((r) => `\n    ${r.serial}  ${r.revokedAt}${r.reason ? `  ${r.reason}` : ""}`)
                .join(""),
        ],
      ]);
    case "private-key":
    case "public-key":
      return rows(`${info.kind === "private-key" ? "Private" : "Public"} key (${source})`, [
        ["Encoding", info.encoding],
        ["Type", info.publicKey ? keyText(info.publicKey) : undefined],
        ["SPKI SHA-256", info.publicKey?.spkiSha256],
      ]);
    case "pkcs12":
      return rows(`PKCS#12 (${source})`, [
        ...info.protections.map((p) => [`Protects ${p.part}`, p.algorithm] as const),
        [
          "MAC",
          info.mac === undefined ? "(none)" : `${info.mac}, ${info.macIterations} iterations`,
        ],
        ...info.warnings.map((w) => ["Warning", w] as const),
      ]);
    case "encrypted-private-key":
      return rows(`Encrypted private key (${source})`, [
        ["Encoding", `${info.encoding} (PKCS#8 EncryptedPrivateKeyInfo; decrypt to see more)`],
      ]);
  }
}
