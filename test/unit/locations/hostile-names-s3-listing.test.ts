import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocation } from '../../../src-main/locations/registry';
import { locationConfigSchema } from '../../../src-shared/model/location-config';

/*
 * Keys that XML 1.0 cannot carry as they are (a carriage return, which parsers turn into a line
 * feed, so the listed key would name another object or none; control characters) come through
 * only with ListObjectsV2's encoding-type=url, as AWS sends them. A scripted S3 endpoint on
 * 127.0.0.1 answers the listing URL-encoded and the HEADs by exact key: the location must ask
 * for the encoding, decode keys and prefixes ('+' is a space), and then still refuse the
 * decoded names that are unsafe. (fauxqs and s3rver ignore encoding-type, so no real server
 * here can show it.)
 */

const OBJECTS: Record<string, number> = {
  'cr\rx': 3,
  'sp x': 4,
  'plus+': 5,
  'ctl\u0001x': 6,
  'pct%41': 7,
};

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/** The endpoint, and every listing query string and HEAD key it received. */
async function endpoint(): Promise<{ url: string; listings: string[]; heads: string[] }> {
  const listings: string[] = [];
  const heads: string[] = [];
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      listings.push(url.search);
      const encoded = url.searchParams.get('encoding-type') === 'url';
      const enc = (k: string): string => (encoded ? encodeURIComponent(k).replace(/%20/g, '+') : k);
      const contents = Object.entries(OBJECTS)
        .map(
          ([key, size]) =>
            `<Contents><Key>${enc(key)}</Key><Size>${size}</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>`,
        )
        .join('');
      const prefixes = ['../', 'sub dir/']
        .map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`)
        .join('');
      res.setHeader('content-type', 'application/xml');
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix></Prefix>` +
          `${encoded ? '<EncodingType>url</EncodingType>' : ''}<KeyCount>7</KeyCount><MaxKeys>1000</MaxKeys>` +
          `<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>${contents}${prefixes}</ListBucketResult>`,
      );
      return;
    }
    if (req.method === 'HEAD') {
      const key = decodeURIComponent(url.pathname.replace(/^\/bucket1\//, ''));
      heads.push(key);
      const size = OBJECTS[key];
      if (size === undefined) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-length', String(size));
      res.setHeader('last-modified', 'Mon, 01 Jan 2024 00:00:00 GMT');
      res.setHeader('etag', '"e"');
      res.end();
      return;
    }
    res.statusCode = 400;
    res.end();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, listings, heads };
}

describe('S3 listings of keys XML cannot carry', () => {
  it('asks for URL-encoded keys, lists each object under its exact key, and still refuses ".."', async () => {
    const s3 = await endpoint();
    const location = createLocation(
      locationConfigSchema.parse({
        kind: 's3',
        bucket: 'bucket1',
        endpoint: s3.url,
        pathStyle: true,
        credentials: 'keys',
        accessKeyId: 'AKIDEXAMPLE',
      }),
      { secretAccessKey: 'secret' },
    );
    try {
      const entries = await location.list('', AbortSignal.timeout(15_000));
      expect(s3.listings.every((q) => q.includes('encoding-type=url'))).toBe(true);
      const files = entries.filter((e) => e.type === 'file');
      expect(Object.fromEntries(files.map((e) => [e.path, e.size]))).toEqual(OBJECTS);
      expect(entries.filter((e) => e.type === 'dir').map((e) => e.path)).toEqual(['sub dir']);
      const refused = entries.filter((e) => e.problem !== undefined);
      expect(refused.map((e) => [e.path, e.problem])).toEqual([
        [
          '".."',
          'object key "../" cannot be a file name: it has a ".." segment, which would leave its folder',
        ],
      ]);
      // The listing alone answers sizes: no HEAD per object.
      expect(s3.heads.filter((k) => k in OBJECTS)).toEqual([]);
      // Loading an entry's metadata asks for its exact key (the CR intact), never a look-alike.
      for (const file of files) await location.loadMetadata?.(file, AbortSignal.timeout(15_000));
      expect(s3.heads.filter((k) => k in OBJECTS).sort()).toEqual(Object.keys(OBJECTS).sort());
    } finally {
      await location.close();
    }
  });
});
