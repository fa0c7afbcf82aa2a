import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInlineRunner } from '../../../src-main/engine/transfer-runner';
import { EventBus } from '../../../src-main/events/event-bus';
import { createHandlers } from '../../../src-main/handlers/create-handlers';
import { dispatch } from '../../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../../src-main/services/app-services';
import { createFileKeySecretBox, SECRET_KEY_FILE } from '../../../src-main/store/secret-box';
import type { Channel } from '../../../src-shared/ipc/contract';
import type { Result } from '../../../src-shared/ipc/result';
import type { AppInfo } from '../../../src-shared/model/app-info';
import { tempDir } from '../../support/engine-harness';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../../support/s3-servers';

/*
 * Secrets at rest and in answers: SMB, S3 (keys) and S3-compatible locations are saved with
 * distinctive secrets through the contract, tested, edited, browsed and used by real runs
 * (against fauxqs; the SMB server is a closed port, so its run fails and logs why). Then every
 * file of the data folder (database, WAL, shared memory, key file, anything else) is read as
 * bytes: no secret may appear in it, as UTF-8, UTF-16 or base64, and no answer, event or log
 * line may carry one either.
 */

const SECRETS = {
  smb: 'Smb-Pa55word-7f3k9q',
  smbEdited: 'Smb-Edited-Pa55-2xw8',
  s3: 'S3-Secret-Key-q8Zr1m/yT0pQ+wX',
  objectStorage: 'Obj-Secret-Key-Lm4nB7vC9',
};

let scratch: { dir: string; remove(): Promise<void> };
let dataDir = '';
let source = '';
let s3: RunningS3Server;
let services: AppServices;
let closedPort = 0;
const bus = new EventBus();
const answers: unknown[] = [];
const events: unknown[] = [];
const logged: string[] = [];
let call: (channel: Channel, request: unknown) => Promise<Result<unknown>>;

async function value<T>(channel: Channel, request: unknown): Promise<T> {
  const answer = await call(channel, request);
  if (!answer.ok) throw new Error(`${channel}: ${answer.error.code}: ${answer.error.message}`);
  return answer.value as T;
}

/** Every file under a folder (recursively), with its bytes. */
async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push({ file: full, bytes: await readFile(full) });
  }
  return out;
}

/** The forms a leaked secret would take in a file. */
function encodings(secret: string): Buffer[] {
  return [
    Buffer.from(secret, 'utf8'),
    Buffer.from(secret, 'utf16le'),
    Buffer.from(Buffer.from(secret).toString('base64').replace(/=+$/, '')),
    Buffer.from(encodeURIComponent(secret)),
  ];
}

function expectNoSecretIn(where: string, bytes: Buffer): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of encodings(secret)) {
      expect(bytes.includes(form), `${where} holds the ${name} secret`).toBe(false);
    }
  }
}

async function expectDataDirClean(label: string): Promise<string[]> {
  const files = await filesUnder(dataDir);
  for (const { file, bytes } of files) expectNoSecretIn(`${label}: ${file}`, bytes);
  // Control: the scan does see what is stored in clear (a name, the bucket): a secret stored
  // the same way would have been found.
  const all = Buffer.concat(files.map((f) => f.bytes));
  expect(all.includes(Buffer.from('MinIO-like')), `${label}: control`).toBe(true);
  expect(all.includes(Buffer.from('secrets-bucket')), `${label}: control`).toBe(true);
  return files.map((f) => path.basename(f.file));
}

beforeAll(async () => {
  scratch = await tempDir('secrets-at-rest');
  dataDir = path.join(scratch.dir, 'data');
  source = path.join(scratch.dir, 'source');
  await mkdir(path.join(source, 'sub'), { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(path.join(source, `f${i}.txt`), `file ${i}\n`);
  await writeFile(path.join(source, 'sub', 'deep.bin'), Buffer.alloc(70_000, 7));
  s3 = await startS3Server('fauxqs');
  await s3.createBucket('secrets-bucket');
  // A port nothing listens on: the SMB location's server.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  bus.subscribe((event, payload) => void events.push({ event, payload }));
  services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus,
    schedule: false,
    log: (message) => void logged.push(message),
    // On this thread: the test is about what is stored, not about the built worker files.
    engine: {
      prepareInline: true,
      createRunner: (spec, from, to) => createInlineRunner(from, to, spec),
    },
  });
  const handlers = createHandlers({ appInfo: { name: 'DataFerry' } as AppInfo, services });
  const log = {
    error: (message: string, error: unknown) => void logged.push(`${message} ${String(error)}`),
  };
  call = async (channel, request) => {
    const answer = await dispatch(handlers, channel, request, log);
    answers.push({ channel, answer });
    return answer;
  };
});

afterAll(async () => {
  vi.restoreAllMocks();
  await s3?.stop();
  await scratch?.remove();
});

describe('secrets at rest', () => {
  it('never writes a secret to the data folder, an answer, an event or a log', async () => {
    const local = await value<{ id: string }>('locations:create', {
      name: 'Source',
      config: { kind: 'local', path: source },
    });
    const smb = await value<{ id: string; secretsSet: string[] }>('locations:create', {
      name: 'NAS',
      config: { kind: 'smb', server: '127.0.0.1', port: closedPort, share: 'team', user: 'ana' },
      secrets: { password: SECRETS.smb },
    });
    expect(smb.secretsSet).toEqual(['password']);
    const amazon = await value<{ id: string }>('locations:create', {
      name: 'S3 with keys',
      config: {
        kind: 's3',
        bucket: 'secrets-bucket',
        prefix: 's3-kind',
        credentials: 'keys',
        accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
        endpoint: s3.endpoint,
        pathStyle: true,
      },
      secrets: { secretAccessKey: SECRETS.s3 },
    });
    const compatible = await value<{ id: string }>('locations:create', {
      name: 'MinIO-like',
      config: {
        kind: 'object-storage',
        server: '127.0.0.1',
        port: s3.port,
        protocol: 'HTTP',
        bucket: 'secrets-bucket',
        prefix: 'object-storage-kind',
        accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
      },
      secrets: { secretAccessKey: SECRETS.objectStorage },
    });

    // Test connection with the saved secrets: the S3 kinds connect (the keys sign every
    // request), the SMB server is not there.
    expect((await call('locations:test', { id: amazon.id })).ok).toBe(true);
    expect((await call('locations:test', { id: compatible.id })).ok).toBe(true);
    const smbTest = await call('locations:test', { id: smb.id });
    expect(smbTest).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Testing an edit with the saved secret filled in, and the bucket picker with it.
    expect(
      (
        await call('locations:test', {
          id: compatible.id,
          config: {
            kind: 'object-storage',
            server: '127.0.0.1',
            port: s3.port,
            protocol: 'HTTP',
            bucket: 'secrets-bucket',
            accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
          },
        })
      ).ok,
    ).toBe(true);
    const buckets = await value<{ buckets: string[] }>('locations:buckets', {
      id: compatible.id,
      config: {
        kind: 'object-storage',
        server: '127.0.0.1',
        port: s3.port,
        protocol: 'HTTP',
        bucket: '',
        accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
      },
    });
    expect(buckets.buckets).toContain('secrets-bucket');

    // Edits: a new password, a rename that keeps the secrets.
    await value('locations:update', { id: smb.id, secrets: { password: SECRETS.smbEdited } });
    await value('locations:update', { id: amazon.id, name: 'S3 with keys (renamed)' });

    // Real runs that use the keys, and one whose SMB source cannot be reached.
    const toCompatible = await value<{ id: string }>('tasks:create', {
      name: 'to object storage',
      sourceLocationId: local.id,
      destinationLocationId: compatible.id,
      options: { LogLevel: 'TRANSFER' },
    });
    const toAmazon = await value<{ id: string }>('tasks:create', {
      name: 'to s3',
      sourceLocationId: local.id,
      destinationLocationId: amazon.id,
      options: { LogLevel: 'TRANSFER' },
    });
    const fromSmb = await value<{ id: string }>('tasks:create', {
      name: 'from smb',
      sourceLocationId: smb.id,
      destinationLocationId: local.id,
    });
    const finals: Record<string, { status: string; id: string }> = {};
    for (const [name, task] of Object.entries({ toCompatible, toAmazon, fromSmb })) {
      const started = await value<{ id: string }>('executions:start', { taskId: task.id });
      finals[name] = await services.executions.whenFinished(started.id);
    }
    expect(finals.toCompatible?.status).toBe('SUCCESS');
    expect(finals.toAmazon?.status).toBe('SUCCESS');
    expect(finals.fromSmb?.status).toBe('ERROR');
    expect(
      (await s3.listKeys('secrets-bucket', 'object-storage-kind/')).length,
    ).toBeGreaterThanOrEqual(6);

    // Everything a UI can read back.
    await value('locations:browse', { target: { id: amazon.id }, path: '' });
    await value('locations:browse', { target: { id: compatible.id }, path: 'sub' });
    for (const id of [local.id, smb.id, amazon.id, compatible.id])
      await value('locations:get', { id });
    await value('locations:list', {});
    await value('tasks:list', {});
    await value('executions:list', {});
    for (const [name, task] of Object.entries({ toCompatible, toAmazon, fromSmb })) {
      const execution = finals[name] as { id: string };
      await value('tasks:get', { id: task.id });
      await value('presets:export', { id: task.id });
      await value('executions:get', { id: execution.id });
      await value('executions:log', { id: execution.id });
      await value('executions:report', { id: execution.id });
      await value('executions:export-report', { id: execution.id, format: 'json' });
      await value('executions:export-report', { id: execution.id, format: 'csv' });
    }
    const smbLog = await value<{ message: string }[]>('executions:log', { id: finals.fromSmb?.id });
    expect(smbLog.map((l) => l.message).join('\n')).toContain(`127.0.0.1:${closedPort}`);

    // Nothing that crossed the boundary holds a secret...
    const crossed = JSON.stringify({ answers, events });
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(crossed.includes(secret), `an answer or event holds the ${name} secret`).toBe(false);
    }
    expect(crossed).toContain('"secretsSet":["password"]');
    expect(crossed).toContain('"secretsSet":["secretAccessKey"]');
    // ...nor any log line...
    for (const line of logged)
      expectNoSecretIn(`log line "${line.slice(0, 80)}"`, Buffer.from(line));

    // ...nor any file of the data folder, while the database is open (WAL and shared memory
    // present) and after it is closed.
    const open = await expectDataDirClean('open');
    expect(open).toEqual(expect.arrayContaining(['dataferry.db', SECRET_KEY_FILE]));
    await services.close();
    await expectDataDirClean('closed');

    // The key that encrypts them is readable by its owner alone.
    const key = await stat(path.join(dataDir, SECRET_KEY_FILE));
    expect(key.mode & 0o777).toBe(0o600);
    expect(key.size).toBe(32);
  }, 60_000);

  it('still decrypts the secrets after reopening (they are stored, only never in clear text)', async () => {
    const reopened = createAppServices({
      dataDir,
      secretBox: createFileKeySecretBox(dataDir),
      bus: new EventBus(),
      schedule: false,
      log: () => undefined,
    });
    try {
      const byName = new Map(reopened.store.locations.list().map((l) => [l.name, l.id]));
      expect(reopened.store.locations.secretsOf(byName.get('NAS') as string)).toEqual({
        password: SECRETS.smbEdited,
      });
      expect(
        reopened.store.locations.secretsOf(byName.get('S3 with keys (renamed)') as string),
      ).toEqual({
        secretAccessKey: SECRETS.s3,
      });
    } finally {
      await reopened.close();
    }
    await expectDataDirClean('reopened');
  });
});
