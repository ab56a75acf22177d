import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocationConfig, LocationMatch, ServerConfig } from "./config.ts";
import { matchLocation } from "./server-block.ts";

function server(locations: readonly [LocationMatch, string][]): ServerConfig {
  return {
    listen: [],
    serverNames: [],
    tls: {
      certificate: { path: "/c" },
      certificateKey: { path: "/k" },
      verifyClient: "off",
      sessionCache: { kind: "none" },
      sessionTimeoutSeconds: 300,
      protocols: ["TLSv1.2"],
      ciphers: "HIGH",
      preferServerCiphers: false,
    },
    locations: locations.map(
      ([match, path]): LocationConfig => ({
        match,
        path,
        upstreamTls: { verify: false, sessionReuse: true },
      }),
    ),
  };
}

const S = server([
  ["prefix", "/"],
  ["prefix", "/api/"],
  ["exact", "/api/health"],
  ["regex_i", "\\.(png|jpg)$"],
  ["prefix_no_regex", "/static/"],
  ["regex", "^/api/v[0-9]+/"],
]);

test("matchLocation() follows nginx: exact, ^~ prefix, first regex, else longest prefix", () => {
  assert.equal(matchLocation(S, "/api/health"), 2);
  assert.equal(matchLocation(S, "/api/health?x=1"), 2);
  assert.equal(matchLocation(S, "/api/healthz"), 1);
  assert.equal(matchLocation(S, "/api/v2/users"), 5);
  assert.equal(matchLocation(S, "/img/A.PNG"), 3);
  assert.equal(matchLocation(S, "/static/a.png"), 4);
  assert.equal(matchLocation(S, "/other"), 0);
});

test("matchLocation() matches the decoded path and returns undefined when nothing matches", () => {
  assert.equal(matchLocation(server([["exact", "/a b"]]), "/a%20b"), 0);
  assert.equal(matchLocation(server([["prefix", "/x"]]), "/y"), undefined);
});
