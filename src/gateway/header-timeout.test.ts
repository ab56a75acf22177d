import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Server } from "node:https";
import { test } from "node:test";
import { installHeaderTimeout } from "./header-timeout.ts";

class FakeSocket extends EventEmitter {
  readonly remoteAddress = "192.0.2.7";
  destroyed = false;
  destroy() {
    this.destroyed = true;
    this.emit("close");
  }
}

function setup() {
  const server = Object.assign(new EventEmitter(), { headersTimeout: 60_000 });
  const lines: string[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  installHeaderTimeout(server as unknown as Server, {
    timeoutMs: 2000,
    log: { write: (level: string, message: string) => lines.push(`${level} ${message}`) } as never,
    server: "127.0.0.1:8443",
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => {
      (t as { cleared: boolean }).cleared = true;
    },
  });
  return { server, lines, timers };
}

test("installHeaderTimeout() turns off Node's 408 and closes a silent connection without an answer", () => {
  const { server, lines, timers } = setup();
  assert.equal(server.headersTimeout, 0);
  const socket = new FakeSocket();
  server.emit("secureConnection", socket);
  assert.equal(timers[0]?.ms, 2000);
  timers[0]?.fn();
  assert.equal(socket.destroyed, true);
  assert.deepEqual(lines, [
    "info client timed out (110: Connection timed out) while waiting for request, client: 192.0.2.7, server: 127.0.0.1:8443",
  ]);
});

test("installHeaderTimeout() says 'reading client request headers' once part of a header arrived", () => {
  const { server, lines, timers } = setup();
  const socket = new FakeSocket();
  server.emit("secureConnection", socket);
  socket.emit("data", Buffer.from("GET / HTTP/1.1\r\n"));
  timers[0]?.fn();
  assert.match(lines[0] ?? "", /while reading client request headers/);
});

test("installHeaderTimeout() stops the timer when the first request header is complete", () => {
  const { server, lines, timers } = setup();
  const socket = new FakeSocket();
  server.emit("secureConnection", socket);
  server.emit("request", { socket });
  assert.equal(timers[0]?.cleared, true);
  assert.equal(socket.listenerCount("data"), 0);
  assert.deepEqual(lines, []);
});
