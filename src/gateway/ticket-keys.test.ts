import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeTicketKey } from "./ticket-keys.ts";

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i));

test("nodeTicketKey() reorders a 48-byte nginx key (name, AES, HMAC) into Node's (name, HMAC, AES)", () => {
  const k = nodeTicketKey(bytes(48));
  assert.ok(k.ok);
  assert.equal(k.size, 48);
  assert.deepEqual(
    k.key,
    Buffer.concat([bytes(48).subarray(0, 16), bytes(48).subarray(32), bytes(48).subarray(16, 32)]),
  );
});

test("nodeTicketKey() derives the same 48-byte key from an 80-byte file every time, keeping its name", () => {
  const a = nodeTicketKey(bytes(80));
  const b = nodeTicketKey(Buffer.from(bytes(80)));
  assert.ok(a.ok && b.ok);
  assert.equal(a.size, 80);
  assert.equal(a.key.length, 48);
  assert.deepEqual(a.key, b.key);
  assert.deepEqual(a.key.subarray(0, 16), bytes(16));
  const other = bytes(80);
  other[79] = 0xff;
  const c = nodeTicketKey(other);
  assert.ok(c.ok);
  assert.notDeepEqual(c.key.subarray(32), a.key.subarray(32));
});

test("nodeTicketKey() refuses any size but 48 and 80 bytes", () => {
  for (const n of [0, 32, 47, 49, 79, 81]) {
    assert.deepEqual(nodeTicketKey(bytes(n)), {
      ok: false,
      reason: `${n} bytes, expecting 48 or 80`,
    });
  }
});

test("loadTlsMaterial() loads the first ticket key and refuses a key file of the wrong size at its directive", async () => {
  const { readFileSync } = await import("node:fs");
  const { loadTlsMaterial } = await import("./tls-material.ts");
  const fixture = (f: string) =>
    readFileSync(new URL(`../../test/fixtures/keys/${f}`, import.meta.url));
  const at = (line: number) => ({ file: "gw.conf", line, column: 28 });
  const files: Record<string, Buffer> = { "/k/t1.key": bytes(80), "/k/t2.key": bytes(32) };
  const readFile = (p: string) => files[p] ?? fixture(p.slice(3));
  const config = (keys: string[]) => ({
    servers: [
      {
        listen: [],
        serverNames: [],
        tls: {
          certificate: { path: "/k/ec.crt" },
          certificateKey: { path: "/k/ec.key" },
          verifyClient: "off" as const,
          sessionCache: { kind: "none" as const },
          sessionTimeoutSeconds: 300,
          protocols: ["TLSv1.2" as const],
          ciphers: "HIGH",
          preferServerCiphers: false,
          sessionTicketKeys: keys.map((k, i) => ({ path: k, location: at(5 + i) })),
        },
        locations: [],
      },
    ],
  });
  const ok = loadTlsMaterial(config(["/k/t1.key"]), { readFile });
  const expected = nodeTicketKey(bytes(80));
  assert.ok(expected.ok);
  assert.deepEqual(ok.material?.servers[0]?.tls.ticketKeys, expected.key);
  const bad = loadTlsMaterial(config(["/k/t1.key", "/k/t2.key"]), { readFile });
  assert.deepEqual(
    bad.diagnostics.map(
      (d) => `${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`,
    ),
    [
      "6:28 Cannot load ssl_session_ticket_key /k/t2.key: 32 bytes, expecting 48 or 80 | make one with `openssl rand 80 > ticket.key` (nginx reads 48- or 80-byte keys)",
    ],
  );
});
