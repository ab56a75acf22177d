import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

function imp(certs: string) {
  const text = `server {
    listen 127.0.0.1:8000 ssl;
${certs}
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    location / { return 200; }
}
`;
  return importNginx(parseNginx(text, { file: "/etc/gw/gw.conf" }));
}

const shown = (
  ds: readonly {
    severity: string;
    location?: { line: number; column: number };
    message: string;
    hint?: string;
  }[],
) =>
  ds.map((d) => `${d.severity} ${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`);

test("ssl_certificate and ssl_certificate_key given twice pair in the order written", () => {
  const { config, diagnostics } = imp(`    ssl_certificate rsa.crt;
    ssl_certificate ec.crt;
    ssl_certificate_key rsa.key;
    ssl_certificate_key /k/ec.key;`);
  assert.deepEqual(shown(diagnostics.filter((d) => d.severity === "error")), []);
  const tls = config?.servers[0]?.tls;
  assert.equal(tls?.certificate.path, "/etc/gw/rsa.crt");
  assert.equal(tls?.certificateKey.path, "/etc/gw/rsa.key");
  assert.deepEqual(
    tls?.extraCertificates?.map((p) => [
      p.certificate.path,
      p.certificateKey.path,
      p.certificate.location?.line,
    ]),
    [["/etc/gw/ec.crt", "/k/ec.key", 4]],
  );
});

test("a second ssl_certificate without its key is an error at that certificate, as in nginx", () => {
  const { config, diagnostics } = imp(`    ssl_certificate rsa.crt;
    ssl_certificate_key rsa.key;
    ssl_certificate ec.crt;`);
  assert.equal(config, undefined);
  assert.deepEqual(shown(diagnostics.filter((d) => d.severity === "error")), [
    'error 5:5 No "ssl_certificate_key" is defined for certificate "ec.crt": 2 certificates, 1 keys | add an ssl_certificate_key for it: keys pair with certificates in the order written',
  ]);
});

test("an ssl_certificate_key beyond the last certificate is ignored with a warning", () => {
  const { config, diagnostics } = imp(`    ssl_certificate rsa.crt;
    ssl_certificate_key rsa.key;
    ssl_certificate_key ec.key;`);
  assert.ok(config);
  assert.equal(config.servers[0]?.tls.extraCertificates, undefined);
  const w = diagnostics.find((d) => d.message.includes("ec.key"));
  assert.equal(
    `${w?.severity} ${w?.location?.line}:${w?.location?.column} ${w?.message}`,
    'warning 5:5 Directive "ssl_certificate_key ec.key" is ignored: no ssl_certificate pairs with it (2 keys, 1 certificates)',
  );
});

test("one certificate and no key still says the key is missing", () => {
  const { diagnostics } = imp("    ssl_certificate rsa.crt;");
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    ['Server has no "ssl_certificate_key" for its ssl_certificate'],
  );
});

test("ssl_password_file is imported as a path, and a path with a space gets the quoting hint", () => {
  const ok = imp(`    ssl_certificate rsa.crt;
    ssl_certificate_key rsa.key;
    ssl_password_file keys/pass.txt;`);
  assert.equal(ok.config?.servers[0]?.tls.passwordFile?.path, "/etc/gw/keys/pass.txt");
  assert.deepEqual(ok.config?.servers[0]?.tls.passwordFile?.location, {
    file: "/etc/gw/gw.conf",
    line: 5,
    column: 23,
  });
  const spaced = imp(`    ssl_certificate rsa.crt;
    ssl_certificate_key rsa.key;
    ssl_password_file my keys.txt;`);
  const e = spaced.diagnostics.find((d) => d.severity === "error");
  assert.equal(e?.location?.line, 5);
  assert.match(e?.hint ?? "", /the path contains a space/);
});
