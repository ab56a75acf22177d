import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const NOT_REGULAR = /is a (character device|FIFO), not a regular file/;

function fifoIn(dir: string): string {
  const path = join(dir, "fifo");
  execFileSync("mkfifo", [path]);
  return path;
}

describe("endless or special input files are refused at once", { timeout: 60_000 }, () => {
  for (const kind of ["/dev/zero", "a FIFO"] as const) {
    const special = (dir: string) => (kind === "/dev/zero" ? "/dev/zero" : fifoIn(dir));

    test(`gateway -t --nginx with ${kind} as the configuration fails with one line`, async (t) => {
      const file = special(tempDir(t));
      const run = await runMtls(["gateway", "-t", "--nginx", file]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`Cannot read configuration file ${file}: `));
      assert.match(run.stderr, NOT_REGULAR);
    });

    test(`gateway -t --config with ${kind} as the YAML fails with one line`, async (t) => {
      const file = special(tempDir(t));
      const run = await runMtls(["gateway", "-t", "--config", file]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, NOT_REGULAR);
    });

    test(`gateway -t with ssl_certificate ${kind} names the setting`, async (t) => {
      const dir = tempDir(t);
      const file = special(dir);
      const conf = join(dir, "t.conf");
      writeFileSync(
        conf,
        `http { server { listen 127.0.0.1:0 ssl; ssl_certificate ${file}; ssl_certificate_key ${file}; } }\n`,
      );
      const run = await runMtls(["gateway", "-t", "--nginx", conf]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /Cannot read ssl_certificate .*not a regular file/);
    });

    test(`gateway -t with include ${kind} fails instead of hanging`, async (t) => {
      const dir = tempDir(t);
      const file = special(dir);
      const conf = join(dir, "t.conf");
      writeFileSync(conf, `http { include ${file}; }\n`);
      const run = await runMtls(["gateway", "-t", "--nginx", conf]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, NOT_REGULAR);
    });

    test(`pki sign with ${kind} as the CSR fails with one line`, async (t) => {
      const dir = tempDir(t);
      const file = special(dir);
      const ca = join(dir, "ca");
      assert.equal((await runMtls(["pki", "init", "--dir", ca])).status, 0);
      const run = await runMtls(["pki", "sign", file, "--ca", ca, "--profile", "server"]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`Cannot read CSR ${file}: `));
      assert.match(run.stderr, NOT_REGULAR);
    });

    test(`request with ${kind} as --cacert fails before connecting`, async (t) => {
      const file = special(tempDir(t));
      const run = await runMtls(["request", "https://127.0.0.1:9/", "--cacert", file]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, NOT_REGULAR);
    });
  }
});

test("an unknown pki subcommand prints an mtls: line and exits 2", async () => {
  // The in-process runner's stderr does not reach commander's subcommands, so run the CLI.
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "pki", "bogus"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^mtls: Unknown command 'bogus'\n/);
});

test("an unknown top-level command prints an mtls: line and exits 2", async () => {
  const run = await runMtls(["bogus"]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^mtls: Unknown command 'bogus'\n/);
});
