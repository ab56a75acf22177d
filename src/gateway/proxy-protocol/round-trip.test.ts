import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeProxyHeader, formatIpv6 } from "./decode.ts";
import { encodeProxyV1, encodeProxyV2 } from "./encode.ts";

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const port = fc.nat(65535);
const addresses = fc.oneof(
  fc.record({
    sourceAddress: ipv4,
    destinationAddress: ipv4,
    sourcePort: port,
    destinationPort: port,
  }),
  fc.record({
    sourceAddress: ipv6,
    destinationAddress: ipv6,
    sourcePort: port,
    destinationPort: port,
  }),
);

test("decodeProxyHeader() reads back what encodeProxyV1() writes", () => {
  fc.assert(
    fc.property(addresses, (a) => {
      const bytes = new TextEncoder().encode(encodeProxyV1(a));
      const r = decodeProxyHeader(bytes);
      assert.equal(r.kind, "header");
      if (r.kind !== "header") return;
      assert.equal(r.size, bytes.length);
      assert.deepEqual(r.header.source, { address: a.sourceAddress, port: a.sourcePort });
      assert.deepEqual(r.header.destination, {
        address: a.destinationAddress,
        port: a.destinationPort,
      });
    }),
  );
});

test("decodeProxyHeader() reads back the addresses and TLVs encodeProxyV2() writes", () => {
  fc.assert(
    fc.property(
      addresses,
      fc.option(fc.stringMatching(/^[a-z0-9/.]{1,20}$/), { nil: undefined }),
      fc.boolean(),
      (a, alpn, crc32c) => {
        const bytes = encodeProxyV2({ addresses: a, ...(alpn ? { alpn } : {}), crc32c });
        const r = decodeProxyHeader(bytes);
        assert.equal(r.kind, "header");
        if (r.kind !== "header") return;
        assert.equal(r.size, bytes.length);
        assert.equal(r.header.command, "PROXY");
        assert.deepEqual(r.header.source, { address: a.sourceAddress, port: a.sourcePort });
        const types = r.header.tlvs.map((t) => t.type);
        assert.equal(types.includes(0x01), alpn !== undefined);
        assert.equal(types.includes(0x03), crc32c);
      },
    ),
  );
  const local = decodeProxyHeader(encodeProxyV2({ command: "LOCAL" }));
  assert.equal(local.kind === "header" && local.header.command, "LOCAL");
});
