import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { test } from "node:test";
import { openTls13Record, tls13RecordKeys } from "../client/tls13-decrypt.ts";
import { HandshakeGate, plaintextAlertRecord, sealedAlertRecord } from "./handshake-gate.ts";

/** A stand-in for the client's TCP socket: `push` = bytes from the client, `written` = to it. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    cb();
  }
}

const record = (type: number, body: number[]) =>
  Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff, ...body]);
const clientHello = record(22, [1, 0, 0, 2, 3, 3]);
const ccs = record(20, [1]);
const certificate = record(22, [11, 0, 0, 3, 0, 0, 0]);
const appData = record(23, [0xaa, 0xbb]);
/** A ServerHello choosing `suite`: type, length, version, random, empty session id, suite. */
const serverHello = (suite: number) =>
  record(22, [2, 0, 0, 38, 3, 3, ...new Array(32).fill(7), 0, suite >> 8, suite & 0xff, 0]);

function setup() {
  const raw = new FakeSocket();
  const gate = new HandshakeGate(raw as unknown as Socket);
  const toTls: Buffer[] = [];
  gate.on("data", (c: Buffer) => toTls.push(c));
  const tick = () => new Promise((r) => setImmediate(r));
  return { raw, gate, toTls, tick };
}

test("plaintextAlertRecord() is a fatal alert record of TLS 1.2", () => {
  assert.deepEqual([...plaintextAlertRecord(48)], [21, 3, 3, 0, 2, 2, 48]);
});

test("sealedAlertRecord() opens with the same traffic secret as alert { fatal, description }", () => {
  const secret = Buffer.alloc(48, 9);
  for (const suite of [0x1301, 0x1302, 0x1303]) {
    const sealed = sealedAlertRecord(45, {
      cipherSuite: suite,
      secret: secret.subarray(0, suite === 0x1302 ? 48 : 32),
    });
    assert.ok(sealed);
    assert.deepEqual([...sealed.subarray(0, 5)], [23, 3, 3, 0, 19]);
    const keys = tls13RecordKeys(suite, secret.subarray(0, suite === 0x1302 ? 48 : 32));
    assert.ok(keys);
    const opened = openTls13Record(keys, sealed);
    assert.deepEqual([opened.type, ...opened.content], [21, 2, 45]);
  }
  assert.equal(sealedAlertRecord(45, { cipherSuite: 0x1304, secret }), undefined);
});

test("HandshakeGate passes a ClientHello flight, a ChangeCipherSpec and a second ClientHello without holding", async () => {
  const { raw, gate, toTls, tick } = setup();
  raw.push(clientHello);
  gate.write(serverHello(0x1301)); // a HelloRetryRequest is a ServerHello too
  raw.push(Buffer.concat([ccs, clientHello]));
  await tick();
  assert.equal(gate.holding, false);
  assert.equal(Buffer.concat(toTls).length, clientHello.length * 2 + ccs.length);
  assert.equal(raw.written.length, 1);
});

test("HandshakeGate holds the server's bytes from the client's second flight until release()", async () => {
  const { raw, gate, tick } = setup();
  raw.push(clientHello);
  gate.write(serverHello(0xc02b));
  // The header arrives split across chunks.
  raw.push(certificate.subarray(0, 3));
  raw.push(certificate.subarray(3));
  await tick();
  assert.equal(gate.holding, true);
  gate.write(Buffer.from("server finished"));
  await tick();
  assert.equal(raw.written.length, 1, "held");
  gate.release();
  assert.equal(Buffer.concat(raw.written.slice(1)).toString(), "server finished");
  gate.write(Buffer.from("response"));
  await tick();
  assert.equal(raw.written.at(-1)?.toString(), "response");
});

test("HandshakeGate.reject() drops the held flight and sends a plaintext alert in TLS 1.2", async () => {
  const { raw, gate, tick } = setup();
  raw.push(clientHello);
  gate.write(serverHello(0xc02b));
  raw.push(certificate);
  await tick();
  gate.write(Buffer.concat([ccs, Buffer.from("server finished")]));
  assert.equal(gate.reject(48), "alert sent", "the held ChangeCipherSpec does not count");
  await tick();
  assert.deepEqual([...Buffer.concat(raw.written.slice(1))], [21, 3, 3, 0, 2, 2, 48]);
});

test("HandshakeGate.reject() seals the alert with SERVER_TRAFFIC_SECRET_0 in TLS 1.3", async () => {
  const { raw, gate, tick } = setup();
  const secret = Buffer.alloc(32, 5);
  raw.push(clientHello);
  gate.write(serverHello(0x1301));
  gate.keylog(
    Buffer.from(`SERVER_TRAFFIC_SECRET_0 ${"00".repeat(32)} ${secret.toString("hex")}\n`),
  );
  raw.push(Buffer.concat([ccs, appData]));
  await tick();
  assert.equal(gate.holding, true);
  gate.write(Buffer.from("tickets"));
  assert.equal(gate.reject(116), "alert sent");
  await tick();
  const keys = tls13RecordKeys(0x1301, secret);
  assert.ok(keys);
  const opened = openTls13Record(keys, Buffer.concat(raw.written.slice(1)));
  assert.deepEqual([opened.type, ...opened.content], [21, 2, 116]);
});

test("HandshakeGate.reject() sends no alert once a TLS 1.2 server changed cipher (a resumed session)", async () => {
  const { raw, gate, tick } = setup();
  raw.push(clientHello);
  gate.write(Buffer.concat([serverHello(0xc02b), ccs]));
  raw.push(ccs);
  await tick();
  assert.equal(gate.reject(48), "closed without alert");
  await tick();
  assert.equal(raw.written.length, 1);
});
