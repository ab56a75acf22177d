import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteReader } from "../tls/byte-reader.ts";
import { cryptoFrames, deriveInitialKeys, readVarint } from "./quic-initial.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("QUIC Initial protection", () => {
  it("derives the RFC 9001 Appendix A.1 keys from DCID 0x8394c8f03e515708", () => {
    const dcid = Buffer.from("8394c8f03e515708", "hex");
    const client = deriveInitialKeys(1, dcid, "client")!;
    const server = deriveInitialKeys(1, dcid, "server")!;
    assert.deepEqual(
      [hex(client.key), hex(client.iv), hex(client.hp)],
      [
        "1f369613dd76d5467730efcbe3b1a22d",
        "fa044b2f42a3fd3b46fb255c",
        "9f50449e04a0e810283a1e9933adedd2",
      ],
    );
    assert.deepEqual(
      [hex(server.key), hex(server.iv), hex(server.hp)],
      [
        "cf3a5331653c364c88f0f379b6067e37",
        "0ac1493ca1905853b0bba03e",
        "c206b8d9b9f0f37644430b490eeaa314",
      ],
    );
    assert.equal(deriveInitialKeys(0x0badbeef, dcid, "client"), undefined);
  });

  it("reads variable-length integers as RFC 9000 §A.1 shows", () => {
    const cases: [string, number][] = [
      ["c000000004000000", 67108864], // an 8-byte encoding (values above 2^53 lose precision)
      ["9d7f3e7d", 494878333],
      ["7bbd", 15293],
      ["25", 37],
    ];
    for (const [bytes, value] of cases) {
      assert.equal(readVarint(new ByteReader(Buffer.from(bytes, "hex"))), value);
    }
  });

  it("extracts CRYPTO frames past PADDING, PING and ACK", () => {
    // PING, ACK(largest 5, delay 0, 0 ranges, first 0), CRYPTO(offset 2, length 3), PADDING
    const payload = Uint8Array.from([0x01, 0x02, 5, 0, 0, 0, 0x06, 2, 3, 0xaa, 0xbb, 0xcc, 0, 0]);
    const frames = cryptoFrames(payload);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.offset, 2);
    assert.deepEqual([...frames[0]!.data], [0xaa, 0xbb, 0xcc]);
  });
});
