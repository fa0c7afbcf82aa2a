import http from 'node:http';
import type net from 'node:net';

/*
 * A scripted S3 endpoint on 127.0.0.1 (node:http) for tests of the S3 location against hostile
 * answers: the script sees each request (method, path, query, body) and writes whatever it likes
 * to the response or its socket: malformed XML, bodies cut short, bodies that never end,
 * listings that go round in circles, 200 answers carrying an <Error>.
 */

export interface S3Request {
  method: string;
  /** The path, decoded ("/photos/a b.txt" for path style). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type S3Script = (request: S3Request, response: http.ServerResponse) => void | Promise<void>;

export interface ScriptedS3 {
  port: number;
  requests: S3Request[];
  close(): Promise<void>;
}

/** Starts a scripted S3 endpoint; a script that throws answers 500 with the message. */
export async function scriptedS3(script: S3Script): Promise<ScriptedS3> {
  const requests: S3Request[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: S3Request = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      Promise.resolve()
        .then(() => script(request, res))
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers `status` with an XML body. */
export function sendXml(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': 'SCRIPTED0001',
  });
  response.end(body);
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A ListObjectsV2 result page (ListBucketResult) as S3 lays it out. */
export function listPage(options: {
  keys?: string[];
  prefixes?: string[];
  prefix?: string;
  truncated?: boolean;
  nextToken?: string;
}): string {
  const contents = (options.keys ?? [])
    .map(
      (key) =>
        `<Contents><Key>${escape(key)}</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const prefixes = (options.prefixes ?? [])
    .map((p) => `<CommonPrefixes><Prefix>${escape(p)}</Prefix></CommonPrefixes>`)
    .join('');
  const token =
    options.nextToken === undefined
      ? ''
      : `<NextContinuationToken>${escape(options.nextToken)}</NextContinuationToken>`;
  const count = (options.keys?.length ?? 0) + (options.prefixes?.length ?? 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>photos</Name><Prefix>${escape(options.prefix ?? '')}</Prefix><KeyCount>${count}</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>${options.truncated ? 'true' : 'false'}</IsTruncated>${contents}${prefixes}${token}</ListBucketResult>`;
}

/** An S3 error document. */
export function errorDocument(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>SCRIPTED0001</RequestId></Error>`;
}
