import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeFrame } from "./frame-decoder.ts";
import { ipv6Text } from "./ip.ts";
import { LinkType, type Packet } from "./packet.ts";

const tcpHeader = [
  0x01, 0xbb, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
];
const payload = [0x16, 0x03, 0x01];
function ipv4(extra: number[] = []): number[] {
  const body = [...tcpHeader, ...payload];
  const len = 20 + body.length;
  return [
    0x45,
    0,
    len >> 8,
    len & 255,
    0,
    1,
    0x40,
    0,
    64,
    6,
    0,
    0,
    10,
    0,
    0,
    1,
    10,
    0,
    0,
    2,
    ...body,
    ...extra,
  ];
}
function ipv6WithExtensions(): number[] {
  const body = [...tcpHeader, ...payload];
  const ext = [60, 0, 1, 4, 0, 0, 0, 0, /* dest opts → */ 6, 0, 1, 4, 0, 0, 0, 0];
  const len = ext.length + body.length;
  const addr = (last: number) => [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), last];
  return [0x60, 0, 0, 0, len >> 8, len & 255, 0, 64, ...addr(1), ...addr(2), ...ext, ...body];
}
function packet(linkType: number, data: number[]): Packet {
  const d = new Uint8Array(data);
  return {
    frame: 1,
    interfaceId: 0,
    linkType,
    seconds: 0,
    nanoseconds: 0,
    capturedLength: d.length,
    originalLength: d.length,
    truncated: false,
    data: d,
  };
}
const mac = new Array(12).fill(0xaa);

describe("decodeFrame()", () => {
  const cases: [string, Packet, string][] = [
    [
      "Ethernet with padding",
      packet(LinkType.ETHERNET, [...mac, 0x08, 0, ...ipv4([0, 0, 0])]),
      "10.0.0.1",
    ],
    [
      "Ethernet with QinQ tags",
      packet(LinkType.ETHERNET, [...mac, 0x88, 0xa8, 0, 1, 0x81, 0, 0, 2, 0x08, 0, ...ipv4()]),
      "10.0.0.1",
    ],
    [
      "Linux SLL",
      packet(LinkType.LINUX_SLL, [...new Array(14).fill(0), 0x08, 0, ...ipv4()]),
      "10.0.0.1",
    ],
    [
      "Linux SLL2",
      packet(LinkType.LINUX_SLL2, [0x86, 0xdd, ...new Array(18).fill(0), ...ipv6WithExtensions()]),
      "2001:db8::1",
    ],
    ["raw IP", packet(LinkType.RAW, ipv4()), "10.0.0.1"],
    ["raw IPv6", packet(LinkType.IPV6, ipv6WithExtensions()), "2001:db8::1"],
    ["BSD NULL little-endian", packet(LinkType.NULL, [2, 0, 0, 0, ...ipv4()]), "10.0.0.1"],
    ["OpenBSD LOOP", packet(LinkType.LOOP, [0, 0, 0, 24, ...ipv6WithExtensions()]), "2001:db8::1"],
  ];
  for (const [name, p, src] of cases) {
    it(`decodes TCP over ${name}`, () => {
      const d = decodeFrame(p);
      assert.equal(d.kind, "tcp");
      if (d.kind !== "tcp") return;
      assert.equal(d.ip.src, src);
      assert.equal(d.tcp.srcPort, 443);
      assert.deepEqual([...d.tcp.payload], payload);
    });
  }

  it("reports an unsupported link type and malformed headers without throwing", () => {
    assert.deepEqual(decodeFrame(packet(147, [1, 2])), { kind: "unsupported-link", linkType: 147 });
    assert.equal(decodeFrame(packet(LinkType.ETHERNET, [1, 2])).kind, "malformed");
    assert.equal(decodeFrame(packet(LinkType.RAW, [0x45, 0, 0])).kind, "malformed");
  });

  it("flags IPv4 fragments", () => {
    const frag = ipv4();
    frag[6] = 0x20; // MF
    assert.equal(decodeFrame(packet(LinkType.RAW, frag)).kind, "fragment");
  });

  it("formats IPv6 addresses as RFC 5952 says", () => {
    assert.equal(ipv6Text(new Uint8Array(16)), "::");
    assert.equal(
      ipv6Text(new Uint8Array([0x20, 1, 0xd, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])),
      "2001:db8:0:1::1",
    );
  });
});
