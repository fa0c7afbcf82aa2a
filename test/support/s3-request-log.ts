import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that passed through the proxy, classified the way S3 names its operations. */
export interface LoggedS3Request {
  method: string;
  /** Path without the query: "/bucket/key". */
  path: string;
  /** HEAD, GET (object), LIST, PUT, POST, DELETE... */
  operation: string;
}

export interface S3RequestLog {
  /** "http://127.0.0.1:PORT": give it to clients instead of the server's endpoint. */
  endpoint: string;
  requests: LoggedS3Request[];
  /** How many requests of one operation passed since the last reset (all when none given). */
  count(operation?: string): number;
  reset(): void;
  close(): Promise<void>;
}

function operationOf(method: string, url: URL): string {
  if (method === 'GET' && url.searchParams.has('list-type')) return 'LIST';
  if (method === 'GET' && url.searchParams.has('tagging')) return 'GET_TAGGING';
  return method;
}

/**
 * A plain HTTP proxy in front of a real S3 server (fauxqs) that logs every request on the wire,
 * for tests that assert how many HEADs, GETs and listings an operation costs. Bodies and headers
 * pass untouched (the signature stays valid: the Host header is kept as the client sent it,
 * and fauxqs does not check signatures against its own address).
 */
export async function s3RequestLog(target: string): Promise<S3RequestLog> {
  const upstream = new URL(target);
  const requests: LoggedS3Request[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname, operation: operationOf(method, url) });
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    count: (operation) =>
      operation === undefined
        ? requests.length
        : requests.filter((r) => r.operation === operation).length,
    reset: () => {
      requests.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
