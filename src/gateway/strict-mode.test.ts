import assert from "node:assert/strict";
import { test } from "node:test";
import { alertDescriptionName } from "../tls/names.ts";
import type { ServerConfig } from "./config.ts";
import { strictModeConflict, verifyErrorAlert } from "./strict-mode.ts";

test("verifyErrorAlert() maps verify errors to the alerts OpenSSL 3.0 sends", () => {
  const names = (codes: string[]) => codes.map((c) => alertDescriptionName(verifyErrorAlert(c)));
  assert.deepEqual(
    names([
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "CERT_HAS_EXPIRED",
      "CERT_NOT_YET_VALID",
      "CERT_REVOKED",
      "INVALID_PURPOSE",
      "UNABLE_TO_GET_CRL",
      "CERT_SIGNATURE_FAILURE",
      "SOMETHING_NEW",
    ]),
    [
      "unknown_ca",
      "unknown_ca",
      "certificate_expired",
      "bad_certificate",
      "certificate_revoked",
      "unsupported_certificate",
      "unknown_ca",
      "decrypt_error",
      "certificate_unknown",
    ],
  );
});

test("strictModeConflict() refuses blocks on one address that disagree, at the differing block", () => {
  const block = (strict: boolean, line: number) =>
    ({
      tls: { rejectInHandshake: strict },
      location: { file: "gw.conf", line, column: 1 },
    }) as unknown as ServerConfig;
  assert.equal(strictModeConflict([block(true, 1), block(true, 9)]), undefined);
  const d = strictModeConflict([block(true, 1), block(false, 9)]);
  assert.equal(d?.location?.line, 9);
  assert.match(d?.message ?? "", /disagree on mtls_reject_in_handshake/);
});
