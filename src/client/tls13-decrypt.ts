import { createDecipheriv, createHmac } from "node:crypto";
import { parseAlert } from "../tls/alert.ts";
import { parseHandshake } from "../tls/handshake.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import { cipherSuiteName } from "../tls/names.ts";
import { ContentType } from "../tls/record.ts";
import { summarizeCertificate } from "./certificate-summary.ts";
import type { Direction } from "./tap.ts";
import type { TraceEvent } from "./trace-event.ts";

/** AEAD parameters of the TLS 1.3 cipher suites (RFC 8446 §B.4). */
const SUITES: ReadonlyMap<
  string,
  { cipher: string; keyLength: number; hash: "sha256" | "sha384" }
> = new Map([
  ["TLS_AES_128_GCM_SHA256", { cipher: "aes-128-gcm", keyLength: 16, hash: "sha256" }],
  ["TLS_AES_256_GCM_SHA384", { cipher: "aes-256-gcm", keyLength: 32, hash: "sha384" }],
  ["TLS_CHACHA20_POLY1305_SHA256", { cipher: "chacha20-poly1305", keyLength: 32, hash: "sha256" }],
]);

const TAG_LENGTH = 16;

/** HKDF-Expand (RFC 5869 §2.3). */
function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, prk)
      .update(previous)
      .update(info)
      .update(Uint8Array.of(i))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label(Secret, Label, "", Length) (RFC 8446 §7.1). */
function expandLabel(hash: string, secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, "latin1");
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0]),
  ]);
  return hkdfExpand(hash, secret, info, length);
}

interface TrafficKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  seq: bigint;
}

function trafficKeys(suite: { keyLength: number; hash: string }, secret: Buffer): TrafficKeys {
  return {
    key: expandLabel(suite.hash, secret, "key", suite.keyLength),
    iv: expandLabel(suite.hash, secret, "iv", 12),
    seq: 0n,
  };
}

/** Decrypts one TLSCiphertext record; returns the TLSInnerPlaintext content and type. */
function open(
  cipher: string,
  keys: TrafficKeys,
  raw: Uint8Array,
): { type: number; content: Uint8Array } {
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((keys.seq >> BigInt(8 * i)) & 0xffn);
  keys.seq++;
  const header = raw.subarray(0, 5);
  const body = raw.subarray(5);
  if (body.length < TAG_LENGTH + 1) throw new RangeError("record too short for an AEAD tag");
  const decipher = createDecipheriv(cipher as "aes-128-gcm", keys.key, nonce, {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(header);
  decipher.setAuthTag(body.subarray(body.length - TAG_LENGTH));
  const plain = Buffer.concat([
    decipher.update(body.subarray(0, body.length - TAG_LENGTH)),
    decipher.final(),
  ]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  if (end === 0) throw new RangeError("TLSInnerPlaintext has no content type");
  return { type: plain[end - 1]!, content: new Uint8Array(plain.subarray(0, end - 1)) };
}

/** Traffic keys of one direction with its record sequence number (RFC 8446 §5.3, §7.3). */
export interface Tls13RecordKeys {
  readonly cipher: string;
  readonly key: Buffer;
  readonly iv: Buffer;
  /** Sequence number of the next record, incremented by {@link openTls13Record}. */
  seq: bigint;
}

/**
 * Derives the record keys for a traffic secret: `key = HKDF-Expand-Label(secret, "key", "",
 * key_length)`, `iv = HKDF-Expand-Label(secret, "iv", "", 12)` (RFC 8446 §7.3).
 * @param cipherSuite the TLS 1.3 cipher suite (0x1301, 0x1302, 0x1303)
 * @param secret a traffic secret from the key log (e.g. `SERVER_HANDSHAKE_TRAFFIC_SECRET`)
 * @returns the keys with sequence number 0, or undefined for a suite not supported
 */
export function tls13RecordKeys(
  cipherSuite: number,
  secret: Uint8Array,
): Tls13RecordKeys | undefined {
  const suite = SUITES.get(cipherSuiteName(cipherSuite));
  if (!suite) return undefined;
  return { cipher: suite.cipher, ...trafficKeys(suite, Buffer.from(secret)) };
}

/**
 * Decrypts one TLSCiphertext record (header included) and strips the TLSInnerPlaintext
 * padding (RFC 8446 §5.2, §5.4); advances `keys.seq`.
 * @param keys the direction's keys
 * @param raw the whole record, 5-byte header included
 * @returns the inner content type and content
 * @throws {Error} when the record does not authenticate (wrong keys or sequence)
 */
export function openTls13Record(
  keys: Tls13RecordKeys,
  raw: Uint8Array,
): { type: number; content: Uint8Array } {
  return open(keys.cipher, keys, raw);
}

/**
 * Parses NSS key log lines (`LABEL <client_random hex> <secret hex>`) into label → secret,
 * keeping only the lines of `clientRandom` (a key log may hold several connections).
 */
function parseKeyLog(lines: readonly string[], clientRandom: string): Map<string, Buffer> {
  const secrets = new Map<string, Buffer>();
  for (const line of lines) {
    const [label, random, secret] = line.trim().split(/\s+/);
    if (!label || !secret || random?.toLowerCase() !== clientRandom) continue;
    if (/^[0-9a-f]+$/i.test(secret)) secrets.set(label, Buffer.from(secret, "hex"));
  }
  return secrets;
}

interface SideState {
  keys: TrafficKeys | undefined;
  readonly framer: HandshakeFramer;
  applicationSecret: Buffer | undefined;
  failed: boolean;
}

/**
 * Replaces the encrypted TLS 1.3 records of a trace by what they hold, using the
 * connection's own key log (Node's `keylog` event, NSS format): EncryptedExtensions,
 * CertificateRequest, Certificate, CertificateVerify, Finished, NewSessionTicket and
 * alerts become ordinary events marked `decrypted`; application data stays labelled
 * "Application Data". A record that does not decrypt is left as it was, and that
 * direction is not decrypted further. TLS 1.2 traces are returned unchanged.
 *
 * @param events the tracer's events
 * @param keyLog key log lines (`CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>`...)
 * @returns new events (the input is not modified)
 * @see RFC 8446 §5.2 (record protection), §7.1 (key schedule), §7.3 (traffic keys)
 */
export function decryptTls13Trace(
  events: readonly TraceEvent[],
  keyLog: readonly string[],
): TraceEvent[] {
  const hello = events.find((e) => e.kind === "handshake" && e.message.type === "ServerHello");
  if (
    hello?.kind !== "handshake" ||
    hello.message.type !== "ServerHello" ||
    hello.message.version < 0x0304
  ) {
    return [...events];
  }
  const suite = SUITES.get(cipherSuiteName(hello.message.cipher_suite));
  const clientHello = events.find(
    (e) => e.kind === "handshake" && e.message.type === "ClientHello",
  );
  if (clientHello?.kind !== "handshake" || clientHello.message.type !== "ClientHello")
    return [...events];
  const secrets = parseKeyLog(keyLog, Buffer.from(clientHello.message.random).toString("hex"));
  if (!suite) return [...events];
  const state = (handshake: string, application: string): SideState => {
    const secret = secrets.get(handshake);
    return {
      keys: secret ? trafficKeys(suite, secret) : undefined,
      framer: new HandshakeFramer(),
      applicationSecret: secrets.get(application),
      failed: false,
    };
  };
  const sides: Record<Direction, SideState> = {
    client: state("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"),
    server: state("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"),
  };
  const out: TraceEvent[] = [];
  for (const e of events) {
    const side = e.kind === "encrypted" ? sides[e.direction] : undefined;
    if (e.kind !== "encrypted" || !e.raw || !side?.keys || side.failed) {
      out.push(e);
      continue;
    }
    let plain: { type: number; content: Uint8Array };
    try {
      plain = open(suite.cipher, side.keys, e.raw);
    } catch {
      side.failed = true;
      out.push(e);
      continue;
    }
    const { direction, record } = e;
    if (plain.type === ContentType.alert) {
      out.push({
        kind: "alert",
        direction,
        record,
        alert: parseAlert(plain.content),
        decrypted: true,
      });
    } else if (plain.type === ContentType.handshake) {
      try {
        for (const frame of side.framer.push(plain.content)) {
          const message = parseHandshake(frame, { direction, version: 0x0304 });
          if (message.type === "Certificate") {
            const certificates = message.certificate_list.map((c) =>
              summarizeCertificate(c.cert_data),
            );
            out.push({
              kind: "handshake",
              direction,
              record,
              message,
              certificates,
              decrypted: true,
            });
          } else {
            out.push({ kind: "handshake", direction, record, message, decrypted: true });
          }
          if (message.type === "Finished" && side.applicationSecret) {
            side.keys = trafficKeys(suite, side.applicationSecret);
          }
        }
      } catch {
        side.failed = true;
        out.push(e);
      }
    } else {
      out.push({ ...e, label: "Application Data", decrypted: true });
    }
  }
  return out;
}
