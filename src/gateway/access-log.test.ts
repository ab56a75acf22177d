import assert from "node:assert/strict";
import { test } from "node:test";
import {
  COMBINED_FORMAT,
  compileAccessLogFormat,
  formatAccessLogLine,
  timeLocal,
} from "./access-log.ts";

const VARS: Record<string, string> = {
  remote_addr: "192.0.2.7",
  time_local: "29/Nov/2026:23:51:06 +0000",
  request: 'GET /a"b HTTP/1.1',
  status: "200",
  body_bytes_sent: "5",
  http_user_agent: "ua\u00c3\u00a9",
};

test("formatAccessLogLine() prints combined like nginx: - for empty, \\xXX escapes", () => {
  const line = formatAccessLogLine(compileAccessLogFormat(COMBINED_FORMAT), (n) => VARS[n]);
  assert.equal(
    line,
    '192.0.2.7 - - [29/Nov/2026:23:51:06 +0000] "GET /a\\x22b HTTP/1.1" 200 5 "-" "ua\\xC3\\xA9"',
  );
});

test("formatAccessLogLine() with escape=json and escape=none", () => {
  const json = compileAccessLogFormat('{"r":"$request","u":"$remote_user"}', "json");
  assert.equal(
    formatAccessLogLine(json, (n) => VARS[n]),
    '{"r":"GET /a\\"b HTTP/1.1","u":""}',
  );
  const none = compileAccessLogFormat("$request", "none");
  assert.equal(
    formatAccessLogLine(none, (n) => VARS[n]),
    'GET /a"b HTTP/1.1',
  );
});

test("compileAccessLogFormat() refuses unknown variables", () => {
  assert.throws(() => compileAccessLogFormat("$nope"), SyntaxError);
});

test("timeLocal() prints nginx's $time_local", () => {
  const d = new Date(Date.UTC(2026, 10, 9, 3, 4, 5));
  const s = timeLocal(d);
  assert.match(s, /^\d{2}\/Nov\/2026:\d{2}:04:05 [+-]\d{4}$/);
});
