import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { fakeTlsSocket } from "../../test/helpers/fake-tls-socket.ts";
import { ocspFixtures } from "../../test/helpers/ocsp-fixtures.ts";
import { createDepthCheck, type DepthRefusals } from "./depth-check.ts";

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
  const deep = fakeTlsSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], { reused: false });
  const shallow = fakeTlsSocket([f.leaf.der, f.ca.der], { reused: false });
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
    fakeTlsSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], { reused: false }),
  );
  const other = createDepthCheck(0, { shared });
  const resumed = fakeTlsSocket([f.subLeaf.der], { reused: true });
  await other.pending(resumed);
  const out = other.verify(resumed, SUCCESS);
  assert.equal(out.kind, "failed");
  assert.equal(out.kind === "failed" && out.code, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
});

test("a resumed session passes only once the shared memory answered not refused", async () => {
  const f = await ocspFixtures();
  const { shared } = memory();
  const depth = createDepthCheck(0, { shared });
  const resumed = fakeTlsSocket([f.leaf.der], { reused: true });
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
  const resumed = fakeTlsSocket([f.leaf.der], { reused: true });
  await depth.pending(resumed);
  assert.equal(depth.verify(resumed, SUCCESS).kind, "failed");
});

test("without a shared memory a resumed session is judged by this process's memory alone", async () => {
  const f = await ocspFixtures();
  const depth = createDepthCheck(0);
  assert.equal(depth.pending(fakeTlsSocket([f.leaf.der], { reused: true })), undefined);
  assert.equal(
    depth.verify(fakeTlsSocket([f.leaf.der], { reused: true }), SUCCESS).kind,
    "success",
  );
  await depth.pending(
    fakeTlsSocket([f.subLeaf.der, f.intermediate.der, f.ca.der], { reused: false }),
  );
  assert.equal(
    depth.verify(fakeTlsSocket([f.subLeaf.der], { reused: true }), SUCCESS).kind,
    "failed",
    "refused at a handshake that sent no request",
  );
});
