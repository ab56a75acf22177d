import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MtlsError } from "../errors.ts";
import { decodePem, decodePemBlocks, encodePem } from "./pem.ts";

describe("encodePem", () => {
  it("writes 64-character base64 lines between BEGIN and END with a final newline", () => {
    const pem = encodePem("TEST", new Uint8Array(100).fill(0xab));
    const lines = pem.split("\n");
    assert.equal(lines[0], "-----BEGIN TEST-----");
    assert.equal(lines[1]?.length, 64);
    assert.equal(lines.at(-2), "-----END TEST-----");
    assert.equal(lines.at(-1), "");
  });
});

describe("decodePem", () => {
  it("skips explanatory text and returns the first block with an accepted label", () => {
    const text = `subject=CN=x\n${encodePem("CERTIFICATE", Uint8Array.of(1))}${encodePem("CERTIFICATE REQUEST", Uint8Array.of(2, 3))}`;
    const block = decodePem(text, ["CERTIFICATE REQUEST"], { what: "CSR" });
    assert.deepEqual([...block.der], [2, 3]);
    assert.equal(block.line, 5);
    assert.equal(decodePemBlocks(text, { what: "x" }).length, 2);
  });

  const bad: [string, string, string][] = [
    ["garbage", "hello", "Cannot read CSR a.csr: not PEM (no -----BEGIN line)"],
    [
      "a missing END line",
      "-----BEGIN CERTIFICATE REQUEST-----\nAQ==\n",
      "Cannot read CSR a.csr: no -----END CERTIFICATE REQUEST----- line",
    ],
    [
      "a mismatched END label",
      "-----BEGIN CERTIFICATE REQUEST-----\nAQ==\n-----END CERTIFICATE-----\n",
      "Cannot read CSR a.csr: END label 'CERTIFICATE' does not match BEGIN label 'CERTIFICATE REQUEST'",
    ],
    [
      "a body that is not base64",
      "-----BEGIN CERTIFICATE REQUEST-----\nAQ==\n!!\n-----END CERTIFICATE REQUEST-----\n",
      "Cannot read CSR a.csr: line 3 is not base64",
    ],
    [
      "an empty block",
      "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n",
      "Cannot read CSR a.csr: empty CERTIFICATE REQUEST block",
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`reports ${name} with the file and line`, () => {
      assert.throws(
        () => decodePem(text, ["CERTIFICATE REQUEST"], { what: "CSR", path: "a.csr" }),
        (e) => e instanceof MtlsError && e.code === "MTLS_PKI_BAD_INPUT" && e.message === message,
      );
    });
  }

  it("locates a bad line for the CLI's file:line:col prefix", () => {
    try {
      decodePem("\n-----BEGIN X-----\n%%\n-----END X-----\n", ["X"], {
        what: "key",
        path: "k.pem",
      });
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof MtlsError);
      assert.deepEqual(e.location, { file: "k.pem", line: 3, column: 1 });
    }
  });
});
