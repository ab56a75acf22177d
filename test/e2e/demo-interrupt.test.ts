import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type TestContext, test } from "node:test";

/** Spawns `mtls demo ARGS...` as a child; resolves lines as they come. */
function spawnDemo(t: TestContext, args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "demo", "--no-trace", ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (!m) return;
        waiters.delete(check);
        resolve(m);
      };
      waiters.add(check);
      check();
      void exited.then(() => {
        if (waiters.has(check)) reject(new Error(`exited before ${re}: ${out}\n${err}`));
      });
    });
  return { child, exited, waitFor, out: () => out, err: () => err };
}

test("Ctrl-C during mtls demo --keep stops the servers and removes the keys", {
  timeout: 120_000,
}, async (t) => {
  const demo = spawnDemo(t, ["--keep"]);
  const dir = (await demo.waitFor(/system in (\S+)\n/))[1]!;
  await demo.waitFor(/Ctrl-C stops them and removes .* with its keys\. Try:/);
  assert.ok(existsSync(dir));
  demo.child.kill("SIGINT");
  const code = await demo.exited;
  assert.equal(code, 0, demo.err());
  assert.equal(existsSync(dir), false, `${dir} still exists`);
  assert.match(demo.out(), new RegExp(`stopped the servers; removed ${dir} with its keys`));
});

test("SIGINT early in mtls demo leaves no temporary directory behind", {
  timeout: 120_000,
}, async (t) => {
  const demo = spawnDemo(t, []);
  const dir = (await demo.waitFor(/system in (\S+)\n/))[1]!;
  demo.child.kill("SIGINT");
  const code = await demo.exited;
  // Usually interrupted (130); a demo that finished first removed the directory too.
  assert.ok(code === 130 || code === 0, `exit ${code}: ${demo.err()}`);
  assert.equal(existsSync(dir), false, `${dir} still exists`);
  if (code === 130) assert.match(demo.out(), /interrupted, stopped the servers; removed/);
});
