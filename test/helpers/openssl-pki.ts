import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths of a small PKI made with the `openssl` command (a real peer, not our code). */
export interface OpensslPki {
  readonly dir: string;
  /** Trusted CA: `ca.crt`, `ca.key`. */
  readonly caCert: string;
  readonly caKey: string;
  /** Server certificate for `localhost`, `127.0.0.1`, `::1` (serverAuth). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate `CN=client-1` (clientAuth). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second CA nobody trusts, and a client certificate it issued. */
  readonly rogueCaCert: string;
  readonly rogueClientCert: string;
  readonly rogueClientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * A self-signed certificate `NAME.crt` with its EC P-256 key `NAME.key` in `dir`, made by
 * `openssl req -x509`: a CA (`basicConstraints=critical,CA:TRUE`, keyCertSign, cRLSign) or,
 * with `ca: false`, an end entity (`basicConstraints=CA:FALSE`).
 * @param options.subject e.g. `/CN=Test CA`
 * @param options.ca default true
 * @param options.days validity, days; default 30
 */
export function selfSignWithOpenssl(
  dir: string,
  name: string,
  options: { readonly subject: string; readonly ca?: boolean; readonly days?: number },
): void {
  const ca = options.ca ?? true;
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(
    ["req", "-x509", "-new", "-key", `${name}.key`, "-subj", options.subject]
      .concat(["-days", String(options.days ?? 30)])
      .concat(["-addext", ca ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=CA:FALSE"])
      .concat(ca ? ["-addext", "keyUsage=critical,keyCertSign,cRLSign"] : [])
      .concat(["-out", `${name}.crt`]),
    dir,
  );
}

/**
 * A certificate `NAME.crt` with its EC P-256 key `NAME.key` in `dir`, issued by the CA
 * `ISSUER.crt`/`ISSUER.key` there with `openssl x509 -req` (extensions from `NAME.ext`).
 * @param options.issuer the CA's file name without extension, e.g. `ca`
 * @param options.subject e.g. `/O=Example Corp/CN=web-1`
 * @param options.ext the extensions file's text (`key=value` lines)
 * @param options.days validity, days; default 30
 * @returns the certificate and key paths
 */
export function issueWithOpenssl(
  dir: string,
  name: string,
  options: {
    readonly issuer: string;
    readonly subject: string;
    readonly ext: string;
    readonly days?: number;
  },
): { readonly cert: string; readonly key: string } {
  const { issuer } = options;
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(
    ["req", "-new", "-key", `${name}.key`, "-subj", options.subject, "-out", `${name}.csr`],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), options.ext);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${issuer}.crt`,
      "-CAkey",
      `${issuer}.key`,
    ].concat([
      "-CAcreateserial",
      "-days",
      String(options.days ?? 30),
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ]),
    dir,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

function makeCa(dir: string, name: string, cn: string): void {
  selfSignWithOpenssl(dir, name, { subject: `/CN=${cn}` });
}

function makeLeaf(dir: string, name: string, ca: string, cn: string, ext: string): void {
  issueWithOpenssl(dir, name, { issuer: ca, subject: `/CN=${cn}`, ext });
}

/** Creates CA, server, client and rogue certificates in `dir` with the openssl CLI. */
export function makeOpensslPki(dir: string): OpensslPki {
  makeCa(dir, "ca", "Test CA");
  makeCa(dir, "rogue-ca", "Rogue CA");
  makeLeaf(
    dir,
    "server",
    "ca",
    "localhost",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n",
  );
  makeLeaf(
    dir,
    "client",
    "ca",
    "client-1",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  makeLeaf(
    dir,
    "rogue-client",
    "rogue-ca",
    "intruder",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    rogueCaCert: p("rogue-ca.crt"),
    rogueClientCert: p("rogue-client.crt"),
    rogueClientKey: p("rogue-client.key"),
  };
}
