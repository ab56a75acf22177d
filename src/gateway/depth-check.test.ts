import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import type { TLSSocket } from "node:tls";
import { ocspFixtures } from "../../test/helpers/ocsp-fixtures.ts";
import { createDepthCheck, type DepthRefusals } from "./depth-check.ts";

/** What `peerChain` and the depth check read from a TLSSocket, without a socket. */
function fakeSocket(chain: readonly Uint8Array[], reused: boolean): TLSSocket {
  const link = (i: number): unknown => {
    const der = chain[i];
    if (!der) return undefined;
    return {
      raw: Buffer.from(der),
      fingerprint256: createHash("sha256").update(der).digest("hex"),
      issuerCertificate: link(i + 1),
    };
  };
  return {
    authorized: true,
    isSessionReused: () => reused,
    getPeerCertificate: () => link(0) ?? {},
  } as unknown as TLSSocket;
}

function sha256(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/** An in-memory shared memory that records what it is told. */
function memory(answer?: (leaf: string) => Promise<boolean>) {
  const records: [string, boolean][] = [];
  const refused = new Set<string>();
  const shared: DepthRefusals = {
    record: (leaf, r) => {
      records.push([leaf, r]);
      if (r) refused.add(leaf);
      else refused.delete(leaf);
    },
    refused: answer ?? (async (leaf) => refused.has(leaf)),
  };
  return { shared, records };
}

const SUCCESS = { kind: "success" } as const;

test("a full handshake's depth verdict is shared when the handshake completes", async () => {
  const f = await ocspFixtures();
  const { shared, records } = memory();
  const depth = createDepthCheck(0, { shared });
  const deep = fakeSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], false);
  const shallow = fakeSocket([f.leaf.der, f.ca.der], false);
  assert.equal(depth.pending(deep), undefined);
  assert.equal(depth.pending(shallow), undefined);
  assert.deepEqual(records, [
    [sha256(f.subLeaf.der), true],
    [sha256(f.leaf.der), false],
  ]);
  assert.equal(depth.verify(deep, SUCCESS).kind, "failed");
  assert.equal(depth.verify(shallow, SUCCESS).kind, "success");
});

test("a resumed session refused on another worker is refused here, though its chain looks short", async () => {
  const f = await ocspFixtures();
  const { shared } = memory();
  await createDepthCheck(0, { shared }).pending(
    fakeSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], false),
  );
  const other = createDepthCheck(0, { shared });
  const resumed = fakeSocket([f.subLeaf.der], true);
  await other.pending(resumed);
  const out = other.verify(resumed, SUCCESS);
  assert.equal(out.kind, "failed");
  assert.equal(out.kind === "failed" && out.code, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
});

test("a resumed session passes only once the shared memory answered not refused", async () => {
  const f = await ocspFixtures();
  const { shared } = memory();
  const depth = createDepthCheck(0, { shared });
  const resumed = fakeSocket([f.leaf.der], true);
  assert.equal(depth.verify(resumed, SUCCESS).kind, "failed", "not asked yet: refused");
  const waiting = depth.pending(resumed);
  assert.ok(waiting);
  assert.equal(depth.pending(resumed), waiting, "asked once per connection");
  await waiting;
  assert.equal(depth.verify(resumed, SUCCESS).kind, "success");
});

test("a lookup that fails counts as refused", async () => {
  const f = await ocspFixtures();
  const { shared } = memory(() => Promise.reject(new Error("primary gone")));
  const depth = createDepthCheck(0, { shared });
  const resumed = fakeSocket([f.leaf.der], true);
  await depth.pending(resumed);
  assert.equal(depth.verify(resumed, SUCCESS).kind, "failed");
});

test("without a shared memory a resumed session is judged by this process's memory alone", async () => {
  const f = await ocspFixtures();
  const depth = createDepthCheck(0);
  assert.equal(depth.pending(fakeSocket([f.leaf.der], true)), undefined);
  assert.equal(depth.verify(fakeSocket([f.leaf.der], true), SUCCESS).kind, "success");
  await depth.pending(fakeSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], false));
  assert.equal(
    depth.verify(fakeSocket([f.subLeaf.der], true), SUCCESS).kind,
    "failed",
    "refused at a handshake that sent no request",
  );
});
