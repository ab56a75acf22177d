import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeTlsSocket } from "../../../test/helpers/fake-tls-socket.ts";
import { buildOcspResponse, ocspFixtures } from "../../../test/helpers/ocsp-fixtures.ts";
import { ErrorCode, MtlsError } from "../../errors.ts";
import type { LogLevel } from "../config.ts";
import type { ErrorLog } from "../error-log.ts";
import { createConnectionOcsp } from "./connection-ocsp.ts";
import type { OcspTransport } from "./ocsp-fetch.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

function memoryLog(): ErrorLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write: (level: LogLevel, message: string, connection?: number) => {
      lines.push(`[${level}] *${connection} ${message}`);
    },
    close: async () => {},
  } as unknown as ErrorLog & { lines: string[] };
}

async function answering(status: "good" | "revoked"): Promise<OcspTransport> {
  const f = await ocspFixtures();
  return async () =>
    buildOcspResponse({
      cert: f.leaf.der,
      issuer: f.ca.der,
      signer: f.ca,
      status,
      thisUpdate: NOW,
    });
}

test("createConnectionOcsp() checks once per connection and turns revoked into FAILED:certificate revoked", async () => {
  const f = await ocspFixtures();
  const log = memoryLog();
  const ocsp = createConnectionOcsp(
    { mode: "leaf", failure: "hard", cacheEntries: 0, nonce: false },
    { log, transport: await answering("revoked"), now: () => NOW },
  );
  const socket = fakeTlsSocket([f.leaf.der, f.ca.der]);
  const waiting = ocsp.pending(socket, 7);
  assert.ok(waiting);
  assert.equal(ocsp.pending(socket, 7), waiting);
  await waiting;
  assert.equal(ocsp.pending(socket, 7), undefined);
  assert.deepEqual(ocsp.verify(socket, { kind: "success" }), {
    kind: "failed",
    reason: "certificate revoked",
    code: "CERTIFICATE_REVOKED",
  });
  assert.deepEqual(log.lines, [
    "[info] *7 certificate serial 0A01 is revoked at 2026-03-01T00:00:00.000Z (keyCompromise) (OCSP answer from http://ocsp.test/) while requesting certificate status, client: 127.0.0.1",
  ]);
});

test("createConnectionOcsp() in soft mode accepts a connection whose responder is down, with a warning", async () => {
  const f = await ocspFixtures();
  const log = memoryLog();
  const down: OcspTransport = async (url) => {
    throw new MtlsError(ErrorCode.NETWORK, `OCSP responder ${url} cannot be reached: ECONNREFUSED`);
  };
  const ocsp = createConnectionOcsp(
    { mode: "leaf", failure: "soft", cacheEntries: 0 },
    { log, transport: down, now: () => NOW },
  );
  const socket = fakeTlsSocket([f.leaf.der, f.ca.der]);
  await ocsp.pending(socket, 1);
  assert.deepEqual(ocsp.verify(socket, { kind: "success" }), { kind: "success" });
  assert.deepEqual(log.lines, [
    "[warn] *1 OCSP responder http://ocsp.test/ cannot be reached: ECONNREFUSED while requesting certificate status, client: 127.0.0.1; accepted without an OCSP answer (mtls_ocsp_mode soft)",
  ]);
});

test("createConnectionOcsp() skips chains that already failed and never reports success before the check", async () => {
  const f = await ocspFixtures();
  let asked = 0;
  const transport: OcspTransport = async (url, body) => {
    asked++;
    return (await answering("good"))(url, body);
  };
  const ocsp = createConnectionOcsp(
    { mode: "leaf", failure: "hard", cacheEntries: 0, nonce: false },
    { log: memoryLog(), transport, now: () => NOW },
  );
  const expired = fakeTlsSocket([f.leaf.der, f.ca.der], { authorized: false });
  assert.equal(ocsp.pending(expired, 1), undefined);
  assert.equal(ocsp.pending(fakeTlsSocket([]), 2), undefined);
  assert.equal(asked, 0);
  const unchecked = fakeTlsSocket([f.leaf.der, f.ca.der]);
  assert.equal(ocsp.verify(unchecked, { kind: "success" }).kind, "failed");
  await ocsp.pending(unchecked, 3);
  assert.deepEqual(ocsp.verify(unchecked, { kind: "success" }), { kind: "success" });
  assert.equal(asked, 1);
});
