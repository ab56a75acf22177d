import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { clientCertificateVariables } from "../client-certificate.ts";
import type { ConnectionFacts } from "../connection-facts.ts";
import { decodeProxyHeader } from "../proxy-protocol/decode.ts";
import { frontendCertificateInfo, proxyAddresses, proxyHeader } from "./proxy-header.ts";

const keys = join(import.meta.dirname, "../../../test/fixtures/keys");
const ecPem = readFileSync(join(keys, "ec.crt"));
const rsaPem = readFileSync(join(keys, "rsa.crt"));
const ecDer = new Uint8Array(new X509Certificate(ecPem).raw);
const now = () => new Date("2026-11-30T00:00:00Z");

function facts(options: {
  readonly leaf?: Uint8Array;
  readonly verify: ConnectionFacts["verify"];
  readonly reused?: boolean;
}): ConnectionFacts {
  return {
    verify: options.verify,
    tls: {
      protocol: "TLSv1.3",
      cipher: "TLS_AES_128_GCM_SHA256",
      sessionReused: options.reused ?? false,
      sessionId: "",
      serverName: "db.example.test",
      alpnProtocol: "",
      client: clientCertificateVariables(options.leaf, { verify: options.verify, now }),
    },
    ...(options.leaf
      ? { peer: { chain: [options.leaf], verified: options.verify.kind === "success" } }
      : {}),
  };
}

const socket = {
  remoteAddress: "::ffff:192.0.2.7",
  remotePort: 51000,
  localAddress: "::ffff:198.51.100.1",
  localPort: 5433,
};

test("frontendCertificateInfo() names the signature and key algorithms as haproxy does", () => {
  assert.deepEqual(frontendCertificateInfo(ecPem), {
    sigAlg: "ecdsa-with-SHA256",
    keyAlg: "EC256",
  });
  assert.deepEqual(frontendCertificateInfo(rsaPem), { sigAlg: "RSA-SHA256", keyAlg: "RSA1024" });
  assert.deepEqual(frontendCertificateInfo("not a certificate"), {});
});

test("proxyAddresses() writes IPv4-mapped addresses as IPv4 and gives up on mixed families", () => {
  assert.deepEqual(proxyAddresses(socket), {
    sourceAddress: "192.0.2.7",
    destinationAddress: "198.51.100.1",
    sourcePort: 51000,
    destinationPort: 5433,
  });
  assert.equal(proxyAddresses({ ...socket, localAddress: "::1" }), undefined);
  assert.equal(proxyAddresses({}), undefined);
});

test("proxyHeader() v1 is nginx's line, off is nothing", () => {
  const f = facts({ verify: { kind: "none" } });
  const v1 = proxyHeader("v1", { socket, facts: f });
  assert.equal(new TextDecoder().decode(v1), "PROXY TCP4 192.0.2.7 198.51.100.1 51000 5433\r\n");
  assert.equal(proxyHeader("off", { socket, facts: f }), undefined);
  assert.equal(
    new TextDecoder().decode(proxyHeader("v1", { socket: {}, facts: f })),
    "PROXY UNKNOWN\r\n",
  );
});

test("proxyHeader() v2 carries a verified client certificate as CERT_CONN | CERT_SESS with verify 0", () => {
  const bytes = proxyHeader(
    "v2",
    { socket, facts: facts({ leaf: ecDer, verify: { kind: "success" } }) },
    { frontend: frontendCertificateInfo(ecPem), crc32c: true },
  );
  assert.ok(bytes);
  const r = decodeProxyHeader(bytes);
  assert.equal(r.kind, "header");
  if (r.kind !== "header") return;
  assert.deepEqual(r.header.source, { address: "192.0.2.7", port: 51000 });
  const tlvs = new Map(r.header.tlvs.map((t) => [t.type, Buffer.from(t.value)]));
  assert.equal(tlvs.get(0x02)?.toString(), "db.example.test");
  assert.equal(tlvs.get(0x03)?.length, 4);
  const ssl = tlvs.get(0x20);
  assert.ok(ssl);
  assert.equal(ssl[0], 0x01 | 0x02 | 0x04);
  assert.equal(ssl.readUInt32BE(1), 0);
  assert.equal(
    ssl.subarray(5).toString("latin1"),
    "\x21\x00\x07TLSv1.3" +
      "\x22\x00\x09localhost" +
      "\x23\x00\x16TLS_AES_128_GCM_SHA256" +
      "\x24\x00\x11ecdsa-with-SHA256" +
      "\x25\x00\x05EC256",
  );
});

test("proxyHeader() v2 marks a resumed session CERT_SESS only, a failed one with its X509_V_ERR number", () => {
  const decodeSsl = (f: ConnectionFacts) => {
    const r = decodeProxyHeader(proxyHeader("v2", { socket, facts: f }) as Uint8Array);
    assert.equal(r.kind, "header");
    const ssl = r.kind === "header" ? r.header.tlvs.find((t) => t.type === 0x20) : undefined;
    assert.ok(ssl);
    return Buffer.from(ssl.value);
  };
  const resumed = decodeSsl(facts({ leaf: ecDer, verify: { kind: "success" }, reused: true }));
  assert.equal(resumed[0], 0x01 | 0x04);
  const failed = decodeSsl(
    facts({
      leaf: ecDer,
      verify: {
        kind: "failed",
        reason: "self-signed certificate",
        code: "DEPTH_ZERO_SELF_SIGNED_CERT",
      },
    }),
  );
  assert.equal(failed.readUInt32BE(1), 18);
  const none = decodeSsl(facts({ verify: { kind: "none" } }));
  assert.equal(none[0], 0x01);
  assert.equal(none.readUInt32BE(1), 1);
  assert.ok(!none.includes(Buffer.from([0x22])), "no CN sub-TLV without a certificate");
});
