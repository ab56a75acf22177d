import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyLog } from "./key-log.ts";

const RANDOM = "ab".repeat(32);
const SECRET = "cd".repeat(48);

describe("KeyLog", () => {
  it("read() counts TLS 1.3 secrets, CLIENT_RANDOM lines, other labels and malformed lines", () => {
    const log = new KeyLog();
    const text = [
      "# comment",
      "",
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${RANDOM} ${SECRET}`,
      `SERVER_TRAFFIC_SECRET_0 ${RANDOM} ${SECRET}\r`,
      `CLIENT_RANDOM ${RANDOM} ${SECRET}`,
      `RSA ${RANDOM} ${SECRET}`,
      "-----BEGIN CERTIFICATE-----",
      `CLIENT_RANDOM ${RANDOM.slice(2)} ${SECRET}`,
    ].join("\n");
    assert.deepEqual(log.read(text), { tls13: 2, clientRandom: 1, other: 1, malformed: 2 });
    assert.equal(log.size, 4);
    assert.ok(log.secret(RANDOM, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
  });

  it("add() returns the number of secrets added", () => {
    assert.equal(new KeyLog().add(`CLIENT_RANDOM ${RANDOM} ${SECRET}\ngarbage\n`), 1);
  });
});
