import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ParseError } from "../errors.ts";
import { parseAlert } from "./alert.ts";
import { type HandshakeMessage, parseHandshake } from "./handshake.ts";
import { HandshakeFramer } from "./handshake-framer.ts";
import { cipherSuiteName, groupName, signatureSchemeName, versionName } from "./names.ts";
import { ContentType, RecordFramer } from "./record.ts";
import { loadStream, SCENARIOS } from "./testdata/load.ts";

/** Parses the plaintext handshake of one direction, up to its first change_cipher_spec. */
function plaintextMessages(
  scenario: string,
  direction: "client" | "server",
  version = 0x0303,
): HandshakeMessage[] {
  const hs = new HandshakeFramer();
  const out: HandshakeMessage[] = [];
  for (const r of new RecordFramer().push(loadStream(scenario, direction))) {
    if (r.contentType === ContentType.change_cipher_spec) break;
    if (r.contentType !== ContentType.handshake) continue;
    for (const f of hs.push(r.fragment)) out.push(parseHandshake(f, { direction, version }));
  }
  return out;
}

describe("parseHandshake()", () => {
  test("decodes the TLS 1.2 mTLS server flight of a captured nginx handshake", () => {
    const messages = plaintextMessages(SCENARIOS.tls12, "server");
    assert.deepEqual(
      messages.map((m) => m.type),
      ["ServerHello", "Certificate", "ServerKeyExchange", "CertificateRequest", "ServerHelloDone"],
    );
    const [hello, cert, ske, req] = messages;
    assert.ok(hello?.type === "ServerHello");
    assert.equal(cipherSuiteName(hello.cipher_suite), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    assert.equal(versionName(hello.version), "TLS 1.2");
    assert.ok(cert?.type === "Certificate");
    assert.equal(cert.certificate_list.length, 1);
    assert.equal(cert.certificate_list[0]!.cert_data[0], 0x30, "DER SEQUENCE");
    assert.ok(ske?.type === "ServerKeyExchange");
    assert.equal(ske.kind, "ecdhe");
    assert.equal(groupName(ske.named_curve!), "x25519");
    assert.equal(signatureSchemeName(ske.signature_algorithm!), "ecdsa_secp256r1_sha256");
    assert.ok(req?.type === "CertificateRequest");
    assert.deepEqual(req.certificate_types, [1, 2, 64]);
    assert.deepEqual(req.certificate_authorities, ["CN=Seed Test CA"]);
    assert.equal(
      signatureSchemeName(req.supported_signature_algorithms[0]!),
      "ecdsa_secp256r1_sha256",
    );
  });

  test("decodes the TLS 1.2 client flight: ClientHello, Certificate, ClientKeyExchange, CertificateVerify", () => {
    const messages = plaintextMessages(SCENARIOS.tls12, "client");
    assert.deepEqual(
      messages.map((m) => m.type),
      ["ClientHello", "Certificate", "ClientKeyExchange", "CertificateVerify"],
    );
    const hello = messages[0]!;
    assert.ok(hello.type === "ClientHello");
    assert.equal(hello.random.length, 32);
    assert.deepEqual(hello.cipher_suites.map(cipherSuiteName), [
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    ]);
    const sni = hello.extensions.find((e) => e.name === "server_name");
    assert.deepEqual(sni?.value, {
      kind: "server_name",
      server_name_list: [{ name_type: 0, host_name: "localhost" }],
    });
    const cert = messages[1]!;
    assert.ok(cert.type === "Certificate");
    assert.equal(cert.certificate_list.length, 2, "client-1 and its CA");
    const cke = messages[2]!;
    assert.ok(cke.type === "ClientKeyExchange");
    assert.equal(cke.kind, "ecdh");
    assert.equal(cke.exchange_keys.length, 32, "an x25519 public key");
  });

  test("recognises a HelloRetryRequest by its special random", () => {
    const [hrr] = plaintextMessages(SCENARIOS.hrr, "server");
    assert.ok(hrr?.type === "HelloRetryRequest");
    assert.equal(hrr.version, 0x0304);
    const keyShare = hrr.extensions.find((e) => e.name === "key_share");
    assert.deepEqual(keyShare?.value, { kind: "key_share", selected_group: 29 });
  });

  test("decodes a TLS 1.3 ServerHello with its key share and selected version", () => {
    const [hello] = plaintextMessages(SCENARIOS.tls13, "server");
    assert.ok(hello?.type === "ServerHello");
    assert.equal(hello.version, 0x0304);
    assert.equal(cipherSuiteName(hello.cipher_suite), "TLS_AES_128_GCM_SHA256");
    const share = hello.extensions.find((e) => e.value?.kind === "key_share")?.value;
    assert.ok(share?.kind === "key_share" && share.server_share);
    assert.equal(groupName(share.server_share.group), "x25519");
  });

  test("reports a truncated body with the message name in its path", () => {
    const frame = {
      msgType: 2,
      length: 3,
      body: Uint8Array.of(3, 3, 0),
      raw: Uint8Array.of(2, 0, 0, 3, 3, 3, 0),
    };
    assert.throws(
      () => parseHandshake(frame, { direction: "server" }),
      (e: unknown) =>
        e instanceof ParseError && e.path[0] === "handshake ServerHello" && e.offset === 6,
    );
  });

  test("keeps unknown message types as Unknown with their IANA name", () => {
    const frame = {
      msgType: 25,
      length: 0,
      body: new Uint8Array(0),
      raw: Uint8Array.of(25, 0, 0, 0),
    };
    const m = parseHandshake(frame, { direction: "server" });
    assert.ok(m.type === "Unknown");
    assert.equal(m.name, "compressed_certificate");
  });

  test("any mutation of a message yields a value or a ParseError, never another exception", () => {
    const frames = [SCENARIOS.tls12, SCENARIOS.fragmented].flatMap((sc) =>
      (["client", "server"] as const).flatMap((dir) => {
        const hs = new HandshakeFramer();
        const out = [];
        for (const r of new RecordFramer().push(loadStream(sc, dir))) {
          if (r.contentType === ContentType.change_cipher_spec) break;
          if (r.contentType === ContentType.handshake)
            out.push(...hs.push(r.fragment).map((f) => ({ f, dir })));
        }
        return out;
      }),
    );
    fc.assert(
      fc.property(
        fc.nat(frames.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.constantFrom(0x0303, 0x0304),
        (index, edits, version) => {
          const { f, dir } = frames[index]!;
          const body = f.body.slice();
          for (const [at, v] of edits) if (body.length > 0) body[at % body.length] = v;
          try {
            parseHandshake({ ...f, body }, { direction: dir, version });
          } catch (e) {
            assert.ok(e instanceof ParseError, String(e));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("parseAlert()", () => {
  test("names a fatal unknown_ca alert", () => {
    const alert = parseAlert(Uint8Array.of(2, 48));
    assert.equal(alert.levelName, "fatal");
    assert.equal(alert.descriptionName, "unknown_ca");
  });

  test("reads the plaintext handshake_failure alert of a captured rejection", () => {
    const records = new RecordFramer().push(loadStream(SCENARIOS.tls12NoCert, "server"));
    const alert = records.find((r) => r.contentType === ContentType.alert)!;
    assert.equal(parseAlert(alert.fragment).descriptionName, "handshake_failure");
  });
});
