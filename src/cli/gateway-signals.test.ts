import assert from "node:assert/strict";
import { test } from "node:test";
import { listeningLine } from "./gateway-signals.ts";

test("listeningLine brackets IPv6 hosts and leaves IPv4 hosts as they are", () => {
  assert.equal(
    listeningLine("gateway", { scheme: "https", host: "::1", port: 8443 }),
    "mtls: gateway listening on https://[::1]:8443\n",
  );
  assert.equal(
    listeningLine("admin", { scheme: "http", host: "127.0.0.1", port: 9901 }),
    "mtls: admin listening on http://127.0.0.1:9901\n",
  );
});
