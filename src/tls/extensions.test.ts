import assert from "node:assert/strict";
import { test } from "node:test";
import { ParseError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { parseExtensions } from "./extensions.ts";

/** Builds an extension block from `[type, data]` pairs. */
function block(...exts: [number, number[]][]): Uint8Array {
  const body = exts.flatMap(([type, data]) => [
    type >> 8,
    type & 0xff,
    data.length >> 8,
    data.length & 0xff,
    ...data,
  ]);
  return Uint8Array.from([body.length >> 8, body.length & 0xff, ...body]);
}

test("parseExtensions() flags GREASE and decodes ALPN, supported_versions and key_share", () => {
  const exts = parseExtensions(
    new ByteReader(
      block(
        [0x1a1a, []],
        [16, [0, 9, 8, ...new TextEncoder().encode("http/1.1")]],
        [43, [4, 0x3a, 0x3a, 3, 4]],
        [51, [0, 6, 0, 29, 0, 2, 0xaa, 0xbb]],
      ),
    ),
    "client_hello",
  );
  assert.deepEqual(
    exts.map((e) => [e.name, e.grease]),
    [
      ["GREASE(0x1a1a)", true],
      ["application_layer_protocol_negotiation", false],
      ["supported_versions", false],
      ["key_share", false],
    ],
  );
  assert.deepEqual(exts[1]!.value, {
    kind: "application_layer_protocol_negotiation",
    protocol_name_list: ["http/1.1"],
  });
  assert.deepEqual(exts[2]!.value, { kind: "supported_versions", versions: [0x3a3a, 0x0304] });
  const share = exts[3]!.value;
  assert.ok(share?.kind === "key_share");
  assert.equal(share.client_shares?.[0]?.group, 29);
  assert.deepEqual([...share.client_shares![0]!.key_exchange], [0xaa, 0xbb]);
});

test("parseExtensions() reads supported_versions as one selected version in a ServerHello", () => {
  const [ext] = parseExtensions(new ByteReader(block([43, [3, 4]])), "server_hello");
  assert.deepEqual(ext!.value, {
    kind: "supported_versions",
    versions: [0x0304],
    selected_version: 0x0304,
  });
});

test("parseExtensions() names the extension in the path of a decoding error", () => {
  assert.throws(
    () => parseExtensions(new ByteReader(block([10, [0, 4, 0, 29]])), "client_hello"),
    (e: unknown) => e instanceof ParseError && e.path[0] === "extension supported_groups",
  );
});

test("parseExtensions() refuses a repeated extension type", () => {
  assert.throws(
    () => parseExtensions(new ByteReader(block([23, []], [23, []])), "client_hello"),
    /Duplicate extension: extended_master_secret/,
  );
});
