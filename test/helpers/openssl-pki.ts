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

function makeCa(dir: string, name: string, cn: string): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(
    ["req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-days", "30"]
      .concat(["-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", `${name}.crt`]),
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, cn: string, ext: string): void {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`].concat([
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ]),
    dir,
  );
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
