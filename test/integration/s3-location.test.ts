import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import type { S3Location } from '../../src-main/locations/s3/s3-location';
import type { LocationConfigInput } from '../../src-shared/model/location-config';
import { locationConfigSchema } from '../../src-shared/model/location-config';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * What the conformance suite cannot see from outside: which requests an S3 location sends
 * (server-side copy instead of download and upload, storage class, tags), against real servers.
 */

const live = (): AbortSignal => new AbortController().signal;

interface Recorded {
  commands: string[];
  headers: Record<string, string>[];
}

/** Records every command the location's client sends, and the HTTP headers of each. */
function record(location: S3Location): Recorded {
  const client = (location as unknown as { connection: { client: S3Client } }).connection.client;
  const seen: Recorded = { commands: [], headers: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      seen.commands.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.headers.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordHeaders' },
  );
  return seen;
}

function s3Location(server: RunningS3Server, input: Partial<LocationConfigInput>): S3Location {
  return createLocation(
    locationConfigSchema.parse({
      kind: 's3',
      bucket: 'specifics',
      endpoint: server.endpoint,
      pathStyle: true,
      credentials: 'keys',
      accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
      ...input,
    }),
    { secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey },
  ) as S3Location;
}

function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4096) out.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return out;
}

async function readAll(location: S3Location, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await location.read(path, {}, live())) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 location against fauxqs', () => {
  let server: RunningS3Server;
  beforeAll(async () => {
    server = await startS3Server('fauxqs');
    await server.createBucket('specifics');
  });
  afterAll(async () => server?.stop());

  it('copies server-side between two prefixes of one endpoint: CopyObject, then UploadPartCopy for large files', async () => {
    const source = s3Location(server, { prefix: 'copy-src' });
    const destination = s3Location(server, { prefix: 'copy-dst' });
    await destination.mkdir('', live());
    const small = pattern(300_000, 1);
    const large = pattern(70 * 1024 * 1024 + 11, 2);
    await server.client.send(
      new PutObjectCommand({ Bucket: 'specifics', Key: 'copy-src/small.bin', Body: small }),
    );
    await source.mkdir('', live());
    await source.write('large.bin', Readable.from([large]), { size: large.length }, live());
    const seen = record(destination);
    let checked = 0;
    const options = (size: number) => ({
      size,
      metadata: { mtimeMs: 1_650_000_000_000 },
      alongside: async () => void checked++,
    });
    expect(await destination.copyFrom(source, 'small.bin', options(small.length), live())).toBe(
      small.length,
    );
    expect(await destination.copyFrom(source, 'large.bin', options(large.length), live())).toBe(
      large.length,
    );
    expect(checked).toBe(2);
    expect(seen.commands).toContain('CopyObjectCommand');
    expect(seen.commands).toContain('UploadPartCopyCommand');
    expect(seen.commands).not.toContain('PutObjectCommand');
    expect(seen.commands).not.toContain('UploadPartCommand');
    expect((await readAll(destination, 'small.bin')).equals(small)).toBe(true);
    const copied = await readAll(destination, 'large.bin');
    expect(createHash('sha256').update(copied).digest('hex')).toBe(
      createHash('sha256').update(large).digest('hex'),
    );
    expect((await destination.stat('large.bin', live())).mtimeMs).toBe(1_650_000_000_000);
    // A different identity (other credentials) cannot read the source: the engine streams.
    const stranger = s3Location(server, { prefix: 'copy-dst', accessKeyId: 'OTHER' });
    expect(await stranger.copyFrom(source, 'small.bin', options(small.length), live())).toBeNull();
  });

  it('sends the storage class and the SHA-256 of every body', async () => {
    const location = s3Location(server, { prefix: 'classes', storageClass: 'GLACIER_IR' });
    await location.mkdir('', live());
    const seen = record(location);
    const data = Buffer.from('archive me');
    await location.write('a.txt', Readable.from([data]), { size: data.length }, live());
    const put = seen.headers.find((h) => h['x-amz-storage-class'] !== undefined);
    expect(put?.['x-amz-storage-class']).toBe('GLACIER_IR');
    expect(put?.['x-amz-checksum-sha256']).toBe(createHash('sha256').update(data).digest('base64'));
    expect(await location.storedHash('a.txt', 'sha256', live())).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
  });

  it('reads a large file as several ranges at once, and refuses to mix two versions', async () => {
    const location = s3Location(server, { prefix: 'ranged' });
    await location.mkdir('', live());
    const data = pattern(40 * 1024 * 1024 + 5, 9);
    await location.write('big', Readable.from([data]), { size: data.length }, live());
    const seen = record(location);
    const stream = await location.read('big', { sizeHint: data.length }, live());
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const ranges = seen.headers.map((h) => h.range).filter((r) => r !== undefined);
    expect(ranges).toHaveLength(6); // 5 ranges of 8 MiB and the last 5 bytes
    expect(seen.headers.filter((h) => h['if-match'] !== undefined)).toHaveLength(5);

    // Replaced while it is read: the object is overwritten just before the third range is
    // requested, so that range no longer matches the first one's ETag.
    const client = (location as unknown as { connection: { client: S3Client } }).connection.client;
    let ranged = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { IfMatch?: string };
        if (context.commandName === 'GetObjectCommand' && input.IfMatch && ++ranged === 3) {
          await server.client.send(
            new PutObjectCommand({ Bucket: 'specifics', Key: 'ranged/big', Body: 'replaced' }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'replaceMidRead' },
    );
    const failure = await (async () => {
      try {
        for await (const _chunk of await location.read('big', { sizeHint: data.length }, live()));
        return null;
      } catch (error) {
        return error as { code?: string };
      }
    })();
    expect(failure?.code).toBe('changed-during-transfer');
  });

  it('refuses to read another version than the one expected (snapshot reads)', async () => {
    const location = s3Location(server, { prefix: 'expect' });
    await location.mkdir('', live());
    const body = Buffer.from('version one');
    await location.write(
      'f',
      Readable.from([body]),
      { metadata: { mtimeMs: 1_700_000_000_000 } },
      live(),
    );
    expect(location.capabilities.snapshotReads).toBe(true);
    const planned = { size: body.length, mtimeMs: 1_700_000_000_000 };
    expect((await readAll(location, 'f')).toString()).toBe('version one');
    const ok = await location.read('f', { expect: planned }, live());
    for await (const _chunk of ok);
    await expect(
      location.read('f', { expect: { ...planned, mtimeMs: 1_700_000_000_005 } }, live()),
    ).rejects.toMatchObject({ code: 'changed-during-transfer' });
    await expect(
      location.read('f', { expect: { ...planned, size: 3 } }, live()),
    ).rejects.toMatchObject({ code: 'changed-during-transfer' });
  });

  it("hands VERIFYING the server's checksum of a single PUT, and none for multipart", async () => {
    const location = s3Location(server, { prefix: 'stored' });
    await location.mkdir('', live());
    const answered: string[] = [];
    const onStored = (hash: string): void => void answered.push(hash);
    const small = pattern(100_000, 3);
    await location.write('small', Readable.from([small]), { size: small.length, onStored }, live());
    expect(answered).toEqual([`sha256:${createHash('sha256').update(small).digest('hex')}`]);
    const large = pattern(9 * 1024 * 1024, 4);
    await location.write('large', Readable.from([large]), { size: large.length, onStored }, live());
    expect(answered).toHaveLength(1); // a multipart object has no whole-object SHA-256
    expect(await location.storedHash('large', 'sha256', live())).toBeNull();
  });

  it('writes a file from memory with one PUT (writeWhole), with its metadata and checksum', async () => {
    const location = s3Location(server, { prefix: 'whole' });
    await location.mkdir('', live());
    await location.mkdir('dir', live());
    const seen = record(location);
    const answered: string[] = [];
    const data = pattern(5000, 5);
    const metadata = { mtimeMs: 1_650_000_000_000, mode: 0o640 };
    const onStored = (hash: string): void => void answered.push(hash);
    expect(
      await location.writeWhole('w.bin', data, { size: data.length, metadata, onStored }, live()),
    ).toBe(data.length);
    expect(seen.commands.filter((c) => c === 'PutObjectCommand')).toHaveLength(1);
    expect(answered).toEqual([`sha256:${createHash('sha256').update(data).digest('hex')}`]);
    expect((await readAll(location, 'w.bin')).equals(data)).toBe(true);
    const info = await location.stat('w.bin', live());
    expect(info.mtimeMs).toBe(1_650_000_000_000);
    expect(info.mode).toBe(0o640);
    // A folder of that name, or no parent folder: refused, nothing sent.
    const sent = seen.commands.length;
    await expect(location.writeWhole('dir', data, {}, live())).rejects.toMatchObject({
      code: 'is-dir',
    });
    await expect(location.writeWhole('missing/x', data, {}, live())).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(seen.commands.slice(sent)).not.toContain('PutObjectCommand');
    // More than one part: a multipart upload, as write does.
    const large = pattern(9 * 1024 * 1024, 6);
    expect(await location.writeWhole('large', large, { size: large.length }, live())).toBe(
      large.length,
    );
    expect(seen.commands).toContain('UploadPartCommand');
    expect((await readAll(location, 'large')).equals(large)).toBe(true);
  });
});

describe('S3 location against s3rver (which keeps tags)', () => {
  let server: RunningS3Server;
  beforeAll(async () => {
    server = await startS3Server('s3rver');
    await server.createBucket('specifics');
  });
  afterAll(async () => server?.stop());

  it('reads tags, and sets them on copies and uploads (ObjectTags=PRESERVE)', async () => {
    const source = s3Location(server, { prefix: 'tags-src' });
    const destination = s3Location(server, { prefix: 'tags-dst' });
    await server.client.send(
      new PutObjectCommand({ Bucket: 'specifics', Key: 'tags-src/t.txt', Body: 'tagged' }),
    );
    await server.client.send(
      new PutObjectTaggingCommand({
        Bucket: 'specifics',
        Key: 'tags-src/t.txt',
        Tagging: { TagSet: [{ Key: 'project', Value: 'apollo 11' }] },
      }),
    );
    await destination.mkdir('', live());
    const tags = await source.tags('t.txt', live());
    expect(tags).toEqual({ project: 'apollo 11' });
    // Neither test server stores tags sent with a PUT or a copy (Amazon S3 does): what is
    // checked is that they are sent, as S3 documents them.
    const seen = record(destination);
    await destination.copyFrom(
      source,
      't.txt',
      { size: 6, tags, alongside: async () => undefined },
      live(),
    );
    await destination.write('u.txt', Readable.from([Buffer.from('x')]), { size: 1, tags }, live());
    const tagged = seen.headers.filter((h) => h['x-amz-tagging'] !== undefined);
    expect(tagged.map((h) => h['x-amz-tagging'])).toEqual([
      'project=apollo+11',
      'project=apollo+11',
    ]);
    expect(tagged[0]?.['x-amz-tagging-directive']).toBe('REPLACE');
    expect(await source.tags('t.txt', live())).toEqual({ project: 'apollo 11' });
  });
});
