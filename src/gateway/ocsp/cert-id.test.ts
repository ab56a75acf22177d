import assert from "node:assert/strict";
import { test } from "node:test";
import * as pkijs from "pkijs";
import { ocspFixtures } from "../../../test/helpers/ocsp-fixtures.ts";
import { certificateId, ocspResponderUrls, parseCertificate, sameCertId } from "./cert-id.ts";
import { encodeOcspRequest, ID_PKIX_OCSP_NONCE } from "./ocsp-request.ts";

test("ocspResponderUrls() reads the AIA OCSP URL, and nothing from a certificate without AIA", async () => {
  const f = await ocspFixtures();
  assert.deepEqual(ocspResponderUrls(parseCertificate(f.leaf.der)), ["http://ocsp.test/"]);
  assert.deepEqual(ocspResponderUrls(parseCertificate(f.bare.der)), []);
});

test("certificateId() names the serial and keys the cache by both hashes and the serial", async () => {
  const f = await ocspFixtures();
  const ca = parseCertificate(f.ca.der);
  const a = certificateId(parseCertificate(f.leaf.der), ca);
  const b = certificateId(parseCertificate(f.bare.der), ca);
  assert.equal(a.serial, "0A01");
  assert.match(a.key, /^[0-9a-f]{40}:[0-9a-f]{40}:0a01$/);
  assert.equal(a.key.split(":")[0], b.key.split(":")[0]);
  assert.ok(sameCertId(a.certId, certificateId(parseCertificate(f.leaf.der), ca).certId));
  assert.ok(!sameCertId(a.certId, b.certId));
});

test("encodeOcspRequest() encodes one request with the nonce as an OCTET STRING extension", async () => {
  const f = await ocspFixtures();
  const id = certificateId(parseCertificate(f.leaf.der), parseCertificate(f.ca.der));
  const nonce = new Uint8Array(16).fill(9);
  const request = pkijs.OCSPRequest.fromBER(encodeOcspRequest(id, { nonce }));
  assert.equal(request.tbsRequest.requestList.length, 1);
  assert.ok(sameCertId(request.tbsRequest.requestList[0]?.reqCert as pkijs.CertID, id.certId));
  const ext = request.tbsRequest.requestExtensions?.[0];
  assert.equal(ext?.extnID, ID_PKIX_OCSP_NONCE);
  assert.deepEqual([...(ext?.extnValue.valueBlock.valueHexView ?? [])], [0x04, 16, ...nonce]);
  const plain = pkijs.OCSPRequest.fromBER(encodeOcspRequest(id));
  assert.equal(plain.tbsRequest.requestExtensions, undefined);
  assert.throws(() => encodeOcspRequest(id, { nonce: new Uint8Array(33) }), RangeError);
});
