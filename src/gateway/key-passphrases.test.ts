import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { GatewayConfig } from "./config.ts";
import { decryptKey, isEncryptedKey, parsePasswordFile } from "./key-passphrases.ts";
import { loadTlsMaterial } from "./tls-material.ts";

const fixture = (f: string) =>
  readFileSync(new URL(`../../test/fixtures/keys/${f}`, import.meta.url));

const texts = (r: ReturnType<typeof parsePasswordFile>) =>
  r.ok ? r.passphrases.map((p) => p.toString()) : r.reason;

test("parsePasswordFile() splits lines as nginx does: CRLF, empty lines skipped, last line without LF", () => {
  assert.deepEqual(texts(parsePasswordFile(Buffer.from("first\r\n\n\nsecond\nthird"))), [
    "first",
    "second",
    "third",
  ]);
  assert.deepEqual(texts(parsePasswordFile(Buffer.from(" spaced \n"))), [" spaced "]);
  assert.deepEqual(texts(parsePasswordFile(Buffer.from(""))), [""]);
  assert.deepEqual(texts(parsePasswordFile(Buffer.from("\r\n\n"))), [""]);
});

test("parsePasswordFile() refuses a line of 4096 bytes or more, naming the line", () => {
  assert.equal(
    texts(parsePasswordFile(Buffer.from(`ok\n${"x".repeat(4096)}\n`))),
    "line 2 is 4096 bytes, expecting less than 4096 (nginx: too long line)",
  );
  assert.equal(texts(parsePasswordFile(Buffer.from("x".repeat(4095)))).length, 1);
});

test("decryptKey() tries the passphrases in order and reports which one worked", () => {
  const pem = fixture("ec-enc.key");
  assert.equal(isEncryptedKey(pem), true);
  assert.equal(isEncryptedKey(fixture("ec.key")), false);
  const d = decryptKey(pem, [Buffer.from("first"), Buffer.from("second")]);
  assert.equal(d.ok && d.index, 1);
  assert.equal(
    d.ok && d.key.export({ format: "pem", type: "pkcs8" }).toString(),
    fixture("ec.key").toString().replace(/\r/g, ""),
  );
  assert.deepEqual(decryptKey(pem, [Buffer.from("nope")]), { ok: false });
});

const at = (line: number) => ({ file: "gw.conf", line, column: 5 });

function config(passwordFile: boolean): GatewayConfig {
  return {
    servers: [
      {
        listen: [],
        serverNames: [],
        tls: {
          certificate: { path: "/k/ec.crt", location: at(3) },
          certificateKey: { path: "/k/ec-enc.key", location: at(4) },
          ...(passwordFile ? { passwordFile: { path: "/k/pass", location: at(5) } } : {}),
          verifyClient: "off",
          sessionCache: { kind: "none" },
          sessionTimeoutSeconds: 300,
          protocols: ["TLSv1.2"],
          ciphers: "HIGH",
          preferServerCiphers: false,
        },
        locations: [],
      },
    ],
  };
}

function reader(pass: string) {
  return (p: string): Buffer => (p === "/k/pass" ? Buffer.from(pass) : fixture(p.slice(3)));
}

test("loadTlsMaterial() decrypts an encrypted ssl_certificate_key with the ssl_password_file", () => {
  const r = loadTlsMaterial(config(true), { readFile: reader("first\nsecond\n") });
  assert.deepEqual(r.diagnostics, []);
  assert.match(r.material?.servers[0]?.tls.key?.toString() ?? "", /^-----BEGIN PRIVATE KEY-----/);
});

test("loadTlsMaterial() says when an encrypted key has no password file or no passphrase fits", () => {
  const none = loadTlsMaterial(config(false), { readFile: reader("") });
  assert.deepEqual(
    none.diagnostics.map((d) => `${d.location?.line} ${d.message} | ${d.hint}`),
    [
      "4 Cannot load ssl_certificate_key /k/ec-enc.key: the key is encrypted and no ssl_password_file is given | add `ssl_password_file FILE;` with the key's passphrase, or store the key unencrypted",
    ],
  );
  const wrong = loadTlsMaterial(config(true), { readFile: reader("first\nthird\n") });
  assert.deepEqual(
    wrong.diagnostics.map((d) => `${d.location?.line} ${d.message} | ${d.hint}`),
    [
      "4 Cannot load ssl_certificate_key /k/ec-enc.key: the key is encrypted and none of the 2 passphrases in /k/pass decrypts it | check the passphrases in /k/pass (one per line, tried in order)",
    ],
  );
  const long = loadTlsMaterial(config(true), { readFile: reader("y".repeat(5000)) });
  assert.equal(
    long.diagnostics[0]?.message,
    "Cannot load ssl_password_file /k/pass: line 1 is 5000 bytes, expecting less than 4096 (nginx: too long line)",
  );
  assert.deepEqual(long.diagnostics[0]?.location, at(5));
});
