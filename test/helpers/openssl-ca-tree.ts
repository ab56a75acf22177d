/**
 * A CA tree made with `openssl ca` (a real peer, not our code), for client-verification
 * tests: `root` → `int1` → `int2`; a `server` certificate for localhost/127.0.0.1; clients
 * `valid`, `expired` (2020), `notyet` (2099), `noeku` (serverAuth only), `revoked` (in
 * `root.crl`), `leaf1` under int1, `leaf2` under int2, a self-signed `stranger`; chains
 * `leaf1-chain.crt`, `leaf2-chain.crt`. Files are `NAME.crt`/`NAME.key` in `dir`.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ noeku ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ subca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
`;

/** A CA tree made with `openssl ca`: root → int1 → int2, leaves with chosen dates and EKUs. */
export function makeCaTree(dir: string): void {
  writeFileSync(join(dir, "ca.cnf"), CA_CONFIG);
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(join(dir, "crlnumber"), "01\n");
  mkdirSync(join(dir, "newcerts"));
  const key = (name: string) =>
    openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  key("root");
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    "root.key",
    "-subj",
    "/O=Verify Test/CN=Root CA",
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    "root.crt",
  ]);
  const issue = (
    name: string,
    issuer: string,
    ext: string,
    dates: readonly string[] = ["-days", "30"],
  ) => {
    key(name);
    openssl(dir, [
      "req",
      "-new",
      "-key",
      `${name}.key`,
      "-subj",
      `/CN=${name}`,
      "-out",
      `${name}.csr`,
    ]);
    openssl(dir, [
      "ca",
      "-batch",
      "-notext",
      "-config",
      "ca.cnf",
      "-cert",
      `${issuer}.crt`,
      "-keyfile",
      `${issuer}.key`,
      "-extensions",
      ext,
      ...dates,
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.crt`,
    ]);
  };
  issue("server", "root", "server");
  issue("int1", "root", "subca");
  issue("int2", "int1", "subca");
  issue("valid", "root", "client");
  issue("expired", "root", "client", [
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20210101000000Z",
  ]);
  issue("notyet", "root", "client", [
    "-startdate",
    "20990101000000Z",
    "-enddate",
    "20991231000000Z",
  ]);
  issue("noeku", "root", "noeku");
  issue("revoked", "root", "client");
  issue("leaf1", "int1", "client");
  issue("leaf2", "int2", "client");
  openssl(dir, [
    "ca",
    "-config",
    "ca.cnf",
    "-cert",
    "root.crt",
    "-keyfile",
    "root.key",
    "-revoke",
    "revoked.crt",
  ]);
  openssl(dir, [
    "ca",
    "-config",
    "ca.cnf",
    "-cert",
    "root.crt",
    "-keyfile",
    "root.key",
    "-gencrl",
    "-out",
    "root.crl",
  ]);
  // A self-signed client nobody trusts.
  key("stranger");
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    "stranger.key",
    "-subj",
    "/CN=stranger",
    "-days",
    "30",
    "-out",
    "stranger.crt",
  ]);
  const cat = (out: string, files: readonly string[]) =>
    writeFileSync(join(dir, out), files.map((f) => readFileSync(join(dir, f), "utf8")).join(""));
  cat("leaf1-chain.crt", ["leaf1.crt", "int1.crt"]);
  cat("leaf2-chain.crt", ["leaf2.crt", "int2.crt", "int1.crt"]);
}
