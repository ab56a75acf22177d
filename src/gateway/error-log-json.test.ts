import assert from "node:assert/strict";
import { test } from "node:test";
import { createErrorLog } from "./error-log.ts";
import { formatErrorLogJson, splitErrorContext } from "./error-log-json.ts";

const WHEN = new Date(Date.UTC(2026, 10, 29, 23, 1, 7, 123));

test("formatErrorLogJson() splits nginx's context fields and the errno reason out of the message", () => {
  const line = formatErrorLogJson(
    WHEN,
    "error",
    'connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET /a?b=\\"c\\" HTTP/1.1", upstream: "http://127.0.0.1:9/a", host: "localhost:8443"',
    { pid: 4242, connection: 3 },
  );
  assert.deepEqual(JSON.parse(line), {
    time: "2026-11-29T23:01:07.123Z",
    level: "error",
    pid: 4242,
    connection: 3,
    message: "connect() failed (111: Connection refused) while connecting to upstream",
    errno: 111,
    reason: "Connection refused",
    client: "127.0.0.1",
    server: "localhost",
    request: 'GET /a?b="c" HTTP/1.1',
    upstream: "http://127.0.0.1:9/a",
    host: "localhost:8443",
  });
});

test("formatErrorLogJson() gives an SSL failure its OpenSSL error and leaves out an absent connection", () => {
  const line = formatErrorLogJson(
    WHEN,
    "info",
    "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking, client: ::1, server: 127.0.0.1:8443",
    { pid: 7 },
  );
  assert.deepEqual(JSON.parse(line), {
    time: "2026-11-29T23:01:07.123Z",
    level: "info",
    pid: 7,
    message:
      "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking",
    ssl_error: "error:0A000102:SSL routines::unsupported protocol",
    client: "::1",
    server: "127.0.0.1:8443",
  });
});

test("splitErrorContext() keeps a message whose tail is not nginx's context whole", () => {
  assert.deepEqual(splitErrorContext("odd, client: x, weird: y"), {
    message: "odd, client: x, weird: y",
    fields: {},
  });
  assert.deepEqual(splitErrorContext("no context"), { message: "no context", fields: {} });
});

test("createErrorLog({ format: 'json' }) writes one JSON object per line", () => {
  const lines: string[] = [];
  const log = createErrorLog({
    format: "json",
    log: (l) => lines.push(l),
    now: () => WHEN,
    pid: 1,
  });
  log.write("error", "upstream timed out", 2);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      {
        time: "2026-11-29T23:01:07.123Z",
        level: "error",
        pid: 1,
        connection: 2,
        message: "upstream timed out",
      },
    ],
  );
});
