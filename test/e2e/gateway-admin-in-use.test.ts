import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Server } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

async function takenPort(t: { after(fn: () => void): void }): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen({ host: "127.0.0.1", port: 0 }, r));
  t.after(() => blocker.close());
  return (blocker.address() as AddressInfo).port;
}

function conf(dir: string): string {
  const pki = makeOpensslPki(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    location / { return 200 "ok\\n"; }
}
`,
  );
  return file;
}

for (const workers of [[], ["--workers", "2"]] as const) {
  const how = workers.length ? "with --workers 2" : "in one process";
  test(`a taken --admin port makes the gateway exit 1 ${how} with a listen-style message`, async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const file = conf(tempDir(t));
    const port = await takenPort(t);
    const gw = spawnGateway(t, ["--nginx", file, ...workers, "--admin", `127.0.0.1:${port}`]);
    const code = await gw.exited;
    assert.equal(code, 1, `stdout: ${gw.stdout()}\nstderr: ${gw.stderr()}`);
    assert.match(
      gw.stderr(),
      new RegExp(
        `mtls: Cannot listen on 127\\.0\\.0\\.1:${port} \\(--admin\\): address already in use`,
      ),
    );
    assert.match(
      gw.stderr(),
      /hint: stop what uses the address, or choose another --admin address/,
    );
    assert.doesNotMatch(gw.stdout(), /workers running/);
  });
}
