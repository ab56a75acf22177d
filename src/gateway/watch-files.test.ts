import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNativeConfig } from "./native/native-config.ts";
import { configFiles, watchFiles } from "./watch-files.ts";

test("configFiles() lists the configuration file and every certificate, key, CA and CRL it names, once", () => {
  const { config } = parseNativeConfig(
    `listeners:
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: server.crt, key: server.key, clientCa: ca.crt, crl: /pki/crl.pem }
    routes:
      - path: /api/
        upstream: https://10.0.0.1:8443
        upstreamTls: { certificate: client.crt, key: client.key, ca: ca.crt }
`,
    { file: "/etc/mtls/gw.yaml" },
  );
  assert.ok(config);
  assert.deepEqual(configFiles(config), [
    "/etc/mtls/gw.yaml",
    "/etc/mtls/server.crt",
    "/etc/mtls/server.key",
    "/etc/mtls/ca.crt",
    "/pki/crl.pem",
    "/etc/mtls/client.crt",
    "/etc/mtls/client.key",
  ]);
});

/** Fake fs.watch and timers: `touch(dir, name)` fires the directory's listener, `tick()` runs due timers. */
function fakes() {
  const listeners = new Map<string, (event: string, filename: string | null) => void>();
  let timers: (() => void)[] = [];
  const closed: string[] = [];
  return {
    watch: (dir: string, l: (event: string, filename: string | null) => void) => {
      listeners.set(dir, l);
      return { close: () => closed.push(dir) };
    },
    setTimer: (fn: () => void) => {
      timers.push(fn);
      return () => {
        timers = timers.filter((t) => t !== fn);
      };
    },
    touch: (dir: string, name: string) => listeners.get(dir)?.("rename", name),
    tick: () => {
      const due = timers;
      timers = [];
      for (const t of due) t();
    },
    closed,
    dirs: () => [...listeners.keys()],
  };
}

test("watchFiles() watches each directory once and reports a burst of changes once, after the quiet time", () => {
  const f = fakes();
  const calls: (readonly string[])[] = [];
  const w = watchFiles(["/a/ca.crt", "/a/server.crt", "/b/gw.conf"], (c) => calls.push(c), f);
  assert.deepEqual(f.dirs(), ["/a", "/b"]);
  f.touch("/a", "ca.crt");
  f.touch("/a", "unrelated.txt");
  f.touch("/b", "gw.conf");
  f.touch("/a", "ca.crt");
  assert.deepEqual(calls, []);
  f.tick();
  assert.deepEqual(calls, [["/a/ca.crt", "/b/gw.conf"]]);
  f.tick();
  assert.equal(calls.length, 1);
  w.close();
  assert.deepEqual(f.closed.sort(), ["/a", "/b"]);
});

test("watchFiles().update() follows the files a reloaded configuration names", () => {
  const f = fakes();
  const calls: (readonly string[])[] = [];
  const w = watchFiles(["/a/ca.crt"], (c) => calls.push(c), f);
  w.update(["/c/new-ca.crt"]);
  assert.deepEqual(f.closed, ["/a"]);
  f.touch("/c", "new-ca.crt");
  f.tick();
  assert.deepEqual(calls, [["/c/new-ca.crt"]]);
  w.close();
});
