/** A self-signed certificate for 127.0.0.2, made with openssl for the test run, and a TLS server that counts requests. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CountingServer } from "./support.js";

export interface TlsServer extends CountingServer {
  /** The certificate, for clients to trust (`--cacert`, `GIT_SSL_CAINFO`). */
  certificatePath: string;
}

export async function countingTlsServer(host: string): Promise<TlsServer> {
  const dir = mkdtempSync(join(tmpdir(), "cordon-tls-"));
  const key = join(dir, "key.pem");
  const certificatePath = join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${host}`,
    "-addext", `subjectAltName=IP:${host}`, "-keyout", key, "-out", certificatePath,
  ], { stdio: "ignore" });
  const requests: CountingServer["requests"] = [];
  const server = createServer({ key: readFileSync(key), cert: readFileSync(certificatePath) }, (request, response) => {
    requests.push({ method: request.method ?? "", url: request.url ?? "", host: request.headers.host });
    request.resume();
    request.on("end", () => response.end("hello over tls\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    certificatePath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
