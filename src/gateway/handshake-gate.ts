/**
 * The byte gate of strict mode: a Duplex between a client's TCP socket and Node's TLS
 * layer that holds the server's last handshake flight until the gateway has judged the
 * client's certificate, so a refused client gets a TLS alert **instead of** the server's
 * Finished (TLS 1.2) or session tickets (TLS 1.3), never a completed handshake.
 *
 * Why: Node's TLS server accepts every certificate inside OpenSSL (its verify callback
 * always returns 1) and judges it after the handshake; `rejectUnauthorized` then only
 * drops the TCP connection, without an alert. Only a missing certificate is refused by
 * OpenSSL itself (`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`), with `certificate_required` (TLS 1.3)
 * or `handshake_failure` (TLS 1.2).
 *
 * What the gate does:
 * - Client → server bytes pass through; their record headers are scanned until the
 *   client's second flight starts: a handshake record that is not a ClientHello (TLS 1.2
 *   Certificate/ClientKeyExchange) or an application_data record (TLS 1.3's encrypted
 *   Certificate/Finished). From then on server → client bytes are held.
 * - Server → client bytes are scanned for the ServerHello's cipher suite and for a
 *   ChangeCipherSpec sent before holding started (a TLS 1.2 abbreviated handshake).
 * - {@link HandshakeGate.release} sends what was held and stops gating.
 * - {@link HandshakeGate.reject} drops what was held, sends one fatal alert and closes:
 *   TLS 1.2 a plaintext alert record (the server has not sent ChangeCipherSpec yet);
 *   TLS 1.3 an alert sealed with `server_application_traffic_secret_0`, sequence 0 (the
 *   server sent nothing under it: its tickets were held), from the key log. A resumed TLS
 *   1.2 session already sent its Finished: then the connection is closed without an alert.
 *
 * Source: RFC 5246 §7.2, §7.4.6; RFC 8446 §4.4.2, §5.2, §6, §7.3.
 * @module
 */
import { createCipheriv } from "node:crypto";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { tls13RecordKeys } from "../client/tls13-decrypt.ts";

const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const FATAL = 2;

/** Reads record headers and the first bytes of each body, across chunk boundaries. */
class RecordScanner {
  #header: number[] = [];
  #remaining = 0;
  #type = 0;
  #kept: number[] = [];
  #reported = true;
  readonly #keep: number;
  readonly #onRecord: (type: number, body: Uint8Array) => boolean;

  /**
   * @param keep how many bytes of each body `onRecord` sees (fewer when the body is shorter)
   * @param onRecord called once per record; returning true stops the scan
   */
  constructor(keep: number, onRecord: (type: number, body: Uint8Array) => boolean) {
    this.#keep = keep;
    this.#onRecord = onRecord;
  }

  /** Feeds bytes; returns true once `onRecord` returned true (then scanning stops). */
  feed(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining === 0) {
        this.#header.push(chunk[i] as number);
        i++;
        if (this.#header.length < 5) continue;
        this.#type = this.#header[0] as number;
        this.#remaining = ((this.#header[3] as number) << 8) | (this.#header[4] as number);
        this.#header = [];
        this.#kept = [];
        this.#reported = false;
        if (this.#remaining > 0) continue;
      } else {
        const take = Math.min(this.#remaining, chunk.length - i);
        for (let k = 0; k < take && this.#kept.length < this.#keep; k++)
          this.#kept.push(chunk[i + k] as number);
        this.#remaining -= take;
        i += take;
      }
      if (!this.#reported && (this.#kept.length >= this.#keep || this.#remaining === 0)) {
        this.#reported = true;
        if (this.#onRecord(this.#type, Uint8Array.from(this.#kept))) return true;
      }
    }
    return false;
  }
}

/** The cipher suite of a ServerHello body (RFC 8446 §4.1.3), or undefined when cut short. */
function serverHelloSuite(body: Uint8Array): number | undefined {
  // msg_type(1) length(3) legacy_version(2) random(32) session_id<0..32>
  const sid = body[38];
  if (sid === undefined) return undefined;
  const at = 39 + sid;
  const hi = body[at];
  const lo = body[at + 1];
  return hi === undefined || lo === undefined ? undefined : (hi << 8) | lo;
}

/**
 * A fatal alert as a plaintext TLS record (RFC 5246 §7.2).
 * @param description the AlertDescription (e.g. 48 `unknown_ca`)
 * @returns the 7-byte record
 */
export function plaintextAlertRecord(description: number): Uint8Array {
  return Uint8Array.of(ALERT, 3, 3, 0, 2, FATAL, description);
}

/**
 * A fatal alert sealed as a TLS 1.3 record (RFC 8446 §5.2): TLSInnerPlaintext
 * `{ level, description, content_type=alert }` under the traffic secret's key and IV.
 * @param description the AlertDescription
 * @param options `cipherSuite` (0x1301..0x1303), `secret` (a traffic secret), `seq` (default 0)
 * @returns the record, or undefined for a suite without an AEAD we know
 */
export function sealedAlertRecord(
  description: number,
  options: { readonly cipherSuite: number; readonly secret: Uint8Array; readonly seq?: number },
): Uint8Array | undefined {
  const keys = tls13RecordKeys(options.cipherSuite, options.secret);
  if (!keys) return undefined;
  const nonce = Buffer.from(keys.iv);
  const seq = BigInt(options.seq ?? 0);
  for (let i = 0; i < 8; i++) {
    nonce[11 - i] = (nonce[11 - i] as number) ^ Number((seq >> BigInt(8 * i)) & 0xffn);
  }
  const inner = Uint8Array.of(FATAL, description, ALERT);
  const header = Uint8Array.of(APPLICATION_DATA, 3, 3, 0, inner.length + 16);
  const cipher = createCipheriv(keys.cipher as "aes-128-gcm", keys.key, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}

/** Ends the socket after `last` (if any) is flushed, then destroys it. */
function closeGracefully(raw: Socket, last?: Uint8Array): void {
  raw.once("finish", () => raw.destroy());
  if (last) raw.end(last);
  else raw.end();
}

/** What {@link HandshakeGate.reject} did. */
export type RejectOutcome = "alert sent" | "closed without alert";

/** The gate between one client's TCP socket and Node's TLS server. */
export class HandshakeGate extends Duplex {
  /** The client's TCP socket. */
  readonly raw: Socket;
  #held: Buffer[] | undefined;
  #decided = false;
  #cipherSuite: number | undefined;
  #serverChangedCipher = false;
  #serverTrafficSecret: Buffer | undefined;
  #clientScan: RecordScanner | undefined;
  #serverScan: RecordScanner | undefined;

  constructor(raw: Socket) {
    super();
    this.raw = raw;
    this.#clientScan = new RecordScanner(1, (type, body) => {
      const second = type === APPLICATION_DATA || (type === HANDSHAKE && body[0] !== CLIENT_HELLO);
      return second;
    });
    this.#serverScan = new RecordScanner(80, (type, body) => {
      if (type === HANDSHAKE && body[0] === SERVER_HELLO) {
        this.#cipherSuite = serverHelloSuite(body) ?? this.#cipherSuite;
      } else if (type === CHANGE_CIPHER_SPEC && !this.#isTls13()) {
        this.#serverChangedCipher = true;
      }
      return false;
    });
    raw.on("data", (chunk: Buffer) => {
      if (this.#clientScan?.feed(chunk)) {
        this.#clientScan = undefined;
        if (!this.#decided) this.#held ??= [];
      }
      if (!this.push(chunk)) raw.pause();
    });
    raw.on("end", () => this.push(null));
    raw.on("error", (e) => this.destroy(e));
    raw.on("close", () => this.destroy());
  }

  #isTls13(): boolean {
    return this.#cipherSuite !== undefined && this.#cipherSuite >> 8 === 0x13;
  }

  /** True once the ServerHello chose a TLS 1.3 cipher suite. */
  get tls13(): boolean {
    return this.#isTls13();
  }

  /** True while server bytes are being held. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** True once {@link release} or {@link reject} was called. */
  get decided(): boolean {
    return this.#decided;
  }

  /**
   * Takes one key log line of this connection (Node's `keylog` event); keeps
   * `SERVER_TRAFFIC_SECRET_0` for a TLS 1.3 alert.
   * @param line `LABEL <client_random> <secret>` (NSS key log format)
   */
  keylog(line: Uint8Array): void {
    const [label, , secret] = Buffer.from(line).toString("latin1").trim().split(" ");
    if (label === "SERVER_TRAFFIC_SECRET_0" && secret) {
      this.#serverTrafficSecret = Buffer.from(secret, "hex");
    }
  }

  /** The client passed: sends what was held and lets every byte through from now on. */
  release(): void {
    if (this.#decided) return;
    this.#decided = true;
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const b of held) this.raw.write(b);
  }

  /**
   * Sends what was held (e.g. OpenSSL's own alert for a missing certificate) and stops
   * gating, when the TLS layer failed on its own.
   */
  flush(): void {
    this.release();
  }

  /**
   * The client is refused: drops the held flight, sends a fatal alert and closes.
   * @param description the AlertDescription (RFC 8446 §6.2), e.g. 48 `unknown_ca`
   * @returns whether an alert could be sent
   */
  reject(description: number): RejectOutcome {
    if (this.#decided) return "closed without alert";
    this.#decided = true;
    this.#held = undefined;
    let record: Uint8Array | undefined;
    if (this.#isTls13()) {
      record =
        this.#serverTrafficSecret && this.#cipherSuite !== undefined
          ? sealedAlertRecord(description, {
              cipherSuite: this.#cipherSuite,
              secret: this.#serverTrafficSecret,
            })
          : undefined;
    } else if (!this.#serverChangedCipher) {
      record = plaintextAlertRecord(description);
    }
    closeGracefully(this.raw, record);
    return record ? "alert sent" : "closed without alert";
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    // Only what the server sent before holding began says how far its handshake got (the
    // held flight of a full TLS 1.2 handshake has its own ChangeCipherSpec).
    if (!this.#held && this.#serverScan?.feed(chunk)) this.#serverScan = undefined;
    if (this.#held) {
      this.#held.push(chunk);
      cb();
    } else if (this.#decided && !this.raw.writable) {
      cb();
    } else {
      this.raw.write(chunk, cb);
    }
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.#closeLater();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.#closeLater();
    cb(err);
  }

  /**
   * The TLS layer is done with the connection. Node closes a socket it refuses inside its
   * own `secure` handler, before the gateway's verdict runs in the same event: the verdict
   * gets the rest of this turn; if none came (OpenSSL failed on its own), whatever the TLS
   * layer wrote last (its alert) goes out, then the socket closes.
   */
  #closeLater(): void {
    setImmediate(() => {
      if (!this.#decided) this.flush();
      if (this.raw.writable) closeGracefully(this.raw);
    });
  }
}
