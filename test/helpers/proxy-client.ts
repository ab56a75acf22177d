import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/**
 * Optionally writes a PROXY protocol header, then does TLS on the same socket and one
 * `GET /` (SNI `localhost`, server certificate not checked).
 * @param port - the listener on 127.0.0.1
 * @param header - the PROXY header bytes or text; default none
 * @returns the response body, or `closed: REASON` when the server closes without answering
 */
export function getThroughProxyHeader(port: number, header?: Uint8Array | string): Promise<string> {
  return new Promise((resolve) => {
    const raw: Socket = connect({ host: "127.0.0.1", port }, () => {
      if (header !== undefined && header.length > 0) raw.write(header);
      const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: "localhost" });
      let data = "";
      s.on("secureConnect", () => {
        s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      });
      s.on("data", (c: Buffer) => {
        data += c.toString();
      });
      s.on("error", (e) => resolve(`closed: ${e.message}`));
      s.on("close", () => {
        const at = data.indexOf("\r\n\r\n");
        resolve(at < 0 ? `closed: ${data}` : data.slice(at + 4));
      });
    });
    raw.on("error", (e) => resolve(`closed: ${e.message}`));
  });
}
