import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src-main/events/event-bus';
import { createHandlers } from '../../src-main/handlers/create-handlers';
import { dispatch } from '../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../src-main/store/secret-box';
import type { AppInfo } from '../../src-shared/model/app-info';
import { tempDir } from '../support/engine-harness';
import { s3RequestLog } from '../support/s3-request-log';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../support/s3-servers';

// Browsing S3 through the contract, as the file browser does: buckets, then folders and objects.

let server: RunningS3Server;
let services: AppServices;
let data: { dir: string; remove(): Promise<void> };
let call: (
  channel: string,
  request: unknown,
) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  for (const name of ['photos', 'backups']) await server.createBucket(name);
  const put = (key: string, body: string): Promise<unknown> =>
    server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: body }));
  await put('2024/a.jpg', 'jpeg!');
  await put('2024/summer/b.jpg', 'b');
  await put('2024/empty/', '');
  await put('2024/../escape', 'x');
  data = await tempDir('browse-data');
  services = createAppServices({
    dataDir: data.dir,
    secretBox: createFileKeySecretBox(data.dir),
    bus: new EventBus(),
    schedule: false,
    log: () => undefined,
  });
  const handlers = createHandlers({ appInfo: {} as AppInfo, services });
  call = (channel, request) =>
    dispatch(handlers, channel, request, { error: () => undefined }) as never;
});

afterAll(async () => {
  await services?.close();
  await data?.remove();
  await server?.stop();
});

const objectStorage = (bucket: string) => ({
  kind: 'object-storage',
  server: '127.0.0.1',
  port: server.port,
  protocol: 'HTTP',
  bucket,
  accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
});
const secrets = { secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey };

describe('browsing S3-compatible storage', () => {
  it('lists the buckets the credentials may see, before one is chosen', async () => {
    const answer = await call('locations:buckets', { config: objectStorage(''), secrets });
    expect(answer).toMatchObject({ ok: true, value: { buckets: ['backups', 'photos'] } });
  });

  it('lists folders and objects of a saved location, and names a key that cannot be a file', async () => {
    const saved = await call('locations:create', {
      name: 'Photos',
      config: objectStorage('photos'),
      secrets,
    });
    const id = (saved.value as { id: string }).id;
    const root = await call('locations:browse', { target: { id }, path: '' });
    expect(root).toMatchObject({ ok: true, value: { path: '', parent: null } });
    const top = (root.value as { entries: { name: string; kind: string }[] }).entries;
    expect(top.map((e) => `${e.kind} ${e.name}`)).toEqual(['dir 2024']);
    const inside = await call('locations:browse', { target: { id }, path: '2024' });
    const entries = (
      inside.value as { entries: { name: string; kind: string; size: number; problem?: string }[] }
    ).entries;
    expect(
      entries
        .filter((e) => !e.problem)
        .map((e) => `${e.kind} ${e.name} ${e.size}`)
        .sort(),
    ).toEqual(['dir empty 0', 'dir summer 0', 'file a.jpg 5']);
    expect(entries.find((e) => e.problem)?.problem).toContain('"2024/../"');
  });

  it('says which bucket is missing, and refuses a path that climbs out', async () => {
    const missing = await call('locations:browse', {
      target: { config: objectStorage('nope-bucket'), secrets },
      path: '',
    });
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: expect.stringContaining('"nope-bucket"') },
    });
    const climbing = await call('locations:browse', {
      target: { config: objectStorage('photos'), secrets },
      path: '../backups',
    });
    expect(climbing).toMatchObject({ ok: false, error: { code: 'invalid-name' } });
  });

  it(
    'shows a large folder in parts as listing pages arrive, with no request per object',
    { timeout: 120_000 },
    async () => {
      const keys = Array.from({ length: 2500 }, (_, i) => `big/o${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys
            .slice(i, i + 50)
            .map((key) =>
              server.client.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: 'x' })),
            ),
        );
      }
      const wire = await s3RequestLog(server.endpoint);
      try {
        const config = { ...objectStorage('backups'), port: Number(new URL(wire.endpoint).port) };
        const target = { config, secrets };
        type Part = { entries: { name: string; size: number }[]; next?: string };
        const first = await call('locations:browse', { target, path: 'big' });
        expect(first.ok).toBe(true);
        const part = first.value as Part;
        // One listing page: the rows show before the rest is listed.
        expect(part.entries).toHaveLength(1000);
        expect(part.next).toEqual(expect.any(String));
        const names = part.entries.map((e) => e.name);
        let cursor = part.next;
        while (cursor !== undefined) {
          const more = await call('locations:browse', { target, path: 'big', cursor });
          expect(more.ok).toBe(true);
          names.push(...(more.value as Part).entries.map((e) => e.name));
          cursor = (more.value as Part).next;
        }
        expect(names).toEqual(keys.map((k) => k.slice('big/'.length)));
        expect(wire.count('HEAD')).toBe(0);
        // Three listing pages, and one small listing to connect for the first part.
        expect(wire.count('LIST')).toBe(4);
        const bad = await call('locations:browse', { target, path: 'big', cursor: '' });
        expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      } finally {
        await wire.close();
      }
    },
  );
});

describe('Test connection of an S3-compatible destination', () => {
  it('reaches the bucket and says a missing prefix will be created; a missing bucket is not found', async () => {
    const fresh = await call('locations:test', {
      config: { ...objectStorage('backups'), prefix: 'new/place' },
      secrets,
    });
    expect(fresh.ok, fresh.error?.message).toBe(true);
    expect((fresh.value as { message: string }).message).toContain(
      'The folder "new/place" does not exist yet: a run that writes there creates it',
    );
    const missing = await call('locations:test', {
      config: { ...objectStorage('no-such-bucket'), prefix: 'new/place' },
      secrets,
    });
    expect(missing.ok).toBe(false);
    expect(missing.error?.code).toBe('not-found');
    expect(missing.error?.message).toContain('no-such-bucket');
  });
});
