import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServerConfig } from "./config.ts";
import { frontVariable, usesFingerprintVariables } from "./front-variables.ts";
import { compileTemplate } from "./variables.ts";

const raw = new Uint8Array(0);

test("frontVariable() gives the PROXY addresses and ports, empty without a header or addresses", () => {
  const front = {
    proxy: {
      version: 2 as const,
      command: "PROXY" as const,
      family: "TCP6" as const,
      source: { address: "2001:db8::1", port: 51000 },
      destination: { address: "2001:db8::2", port: 443 },
      tlvs: [],
      raw,
    },
  };
  assert.equal(frontVariable(front, "proxy_protocol_addr"), "2001:db8::1");
  assert.equal(frontVariable(front, "proxy_protocol_port"), "51000");
  assert.equal(frontVariable(front, "proxy_protocol_server_addr"), "2001:db8::2");
  assert.equal(frontVariable(front, "proxy_protocol_server_port"), "443");
  const local = {
    proxy: { version: 2, command: "LOCAL", family: "UNKNOWN", tlvs: [], raw },
  } as const;
  assert.equal(frontVariable(local, "proxy_protocol_addr"), undefined);
  assert.equal(frontVariable(local, "proxy_protocol_port"), undefined);
  assert.equal(frontVariable(undefined, "proxy_protocol_addr"), undefined);
});

test("frontVariable() gives the JA3 string, its hash and the JA4", () => {
  const front = {
    fingerprints: { ja3: "771,1-2,0,,", ja3Hash: "ab".repeat(16), ja4: "t13d0101h2_a_b" },
  };
  assert.equal(frontVariable(front, "ssl_ja3"), "771,1-2,0,,");
  assert.equal(frontVariable(front, "ssl_ja3_hash"), "ab".repeat(16));
  assert.equal(frontVariable(front, "ssl_ja4"), "t13d0101h2_a_b");
  assert.equal(frontVariable({}, "ssl_ja4"), undefined);
});

test("the front variables compile in values", () => {
  for (const v of [
    "$ssl_ja3",
    "$ssl_ja3_hash",
    `\${ssl_ja4}`,
    "$proxy_protocol_addr:$proxy_protocol_port",
  ])
    assert.deepEqual(compileTemplate(v).problems, [], v);
});

test("usesFingerprintVariables() finds $ssl_ja* in log formats, headers and return texts only", () => {
  const base = { locations: [] } as unknown as ServerConfig;
  assert.equal(usesFingerprintVariables(base), false);
  assert.equal(
    usesFingerprintVariables({
      ...base,
      accessLog: { file: "x", formatName: "f", format: "$remote_addr $ssl_ja4" },
    }),
    true,
  );
  const loc = (v: string) =>
    ({
      ...base,
      locations: [{ proxySetHeaders: [{ name: "X-JA3", value: v }] }],
    }) as unknown as ServerConfig;
  assert.equal(usesFingerprintVariables(loc(`\${ssl_ja3_hash}`)), true);
  assert.equal(usesFingerprintVariables(loc("$proxy_protocol_addr")), false);
  assert.equal(
    usesFingerprintVariables({ ...base, return: { status: 200, text: "$ssl_ja3" } }),
    true,
  );
});
