import { spawn } from 'node:child_process';
import { readdirSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionRunner, type EngineDeps } from '../../src-main/engine/execution-runner';
import { createInlineRunner } from '../../src-main/engine/transfer-runner';
import { createLocation } from '../../src-main/locations/registry';
import type { Execution, FileResult } from '../../src-shared/model/execution';
import {
  locationConfigSchema,
  type LocationConfig,
  type LocationConfigInput,
  type LocationSecrets,
} from '../../src-shared/model/location-config';
import { taskOptionsSchema, type TaskOptionsInput } from '../../src-shared/model/task';
import { recordingSink } from '../support/engine-harness';
import { assertRunAgrees } from '../support/run-agreement';
import { S3_TEST_CREDENTIALS, type RunningS3Server } from '../support/s3-servers';
import type { RunningSmbServer } from '../support/smb-server';
import type { RunningNfsServer } from '../support/nfs-server';

/*
 * Shared by the hostile-names-*.test.ts files: the real engine between locations that need
 * secrets (engine-harness's runExecution passes none), and a snapshot of a folder that keeps
 * names as raw bytes, so that a name which is not UTF-8 (or holds a newline or a backslash)
 * shows up exactly as it is on disk.
 */

export interface Side {
  config: LocationConfig;
  secrets: LocationSecrets;
}

let counter = 0;

/** One execution, on this thread, with what the task report received. */
export async function runEngine(
  source: Side,
  destination: Side,
  options: TaskOptionsInput = {},
): Promise<{ execution: Execution; files: FileResult[]; logs: string[] }> {
  const sink = recordingSink();
  const deps: EngineDeps = {
    createLocation,
    prepareInline: true,
    createRunner: (spec, src, dst) => createInlineRunner(src, dst, spec),
  };
  const runner = new ExecutionRunner(
    {
      executionId: `exec-hostile-${++counter}`,
      taskId: 'task-hostile',
      source,
      destination,
      options: taskOptionsSchema.parse(options),
      includes: '',
      excludes: '',
      dryRun: false,
    },
    sink,
    deps,
  );
  const execution = await runner.run();
  await assertRunAgrees({
    execution,
    results: sink.received,
    options: taskOptionsSchema.parse(options),
    destination,
  });
  return { execution, files: sink.received, logs: sink.logs };
}

export const localSide = (dir: string): Side => ({
  config: { kind: 'local', path: dir },
  secrets: {},
});

export function s3Side(
  server: Pick<RunningS3Server, 'endpoint'>,
  bucket: string,
  prefix: string,
): Side {
  const input: LocationConfigInput = {
    kind: 's3',
    bucket,
    prefix,
    endpoint: server.endpoint,
    pathStyle: true,
    credentials: 'keys',
    accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
  };
  return {
    config: locationConfigSchema.parse(input),
    secrets: { secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey },
  };
}

export function smbSide(server: RunningSmbServer, folder: string): Side {
  const input: LocationConfigInput = {
    kind: 'smb',
    server: '127.0.0.1',
    port: server.port,
    share: server.share,
    path: folder,
    domain: 'TESTGROUP',
    user: server.user,
  };
  return { config: locationConfigSchema.parse(input), secrets: { password: server.password } };
}

export function nfsSide(server: RunningNfsServer, folder: string): Side {
  const input: LocationConfigInput = {
    kind: 'nfs',
    server: '127.0.0.1',
    port: server.nfsPort,
    mountPort: server.mountPort,
    export: server.exportPath,
    path: folder,
    uid: 0,
    gid: 0,
    version: 'NFS3',
  };
  return { config: locationConfigSchema.parse(input), secrets: {} };
}

/**
 * Every entry under `root` as "kind size" by relative path, names kept byte for byte: a name
 * that is not valid UTF-8 is shown as `hex:<bytes>`, so no two names can look alike.
 */
export function rawTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: Buffer, rel: string): void => {
    for (const raw of readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare)) {
      const full = Buffer.concat([dir, Buffer.from('/'), raw]);
      const info = lstatSync(full);
      const p = rel === '' ? shownName(raw) : `${rel}/${shownName(raw)}`;
      if (info.isDirectory()) {
        out[p] = 'dir';
        walk(full, p);
      } else out[p] = `${info.isFile() ? 'file' : 'other'} ${info.size}`;
    }
  };
  walk(Buffer.from(root), '');
  return out;
}

/** A name as text, or `hex:<bytes>` when it is not valid UTF-8. */
export function shownName(raw: Buffer): string {
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : `hex:${raw.toString('hex')}`;
}

/**
 * fauxqs keeping its objects in memory (test/support/fauxqs-server.mjs without --storage): it
 * takes keys its on-disk store cannot (a segment longer than 255 bytes), as S3 does. Stopped by
 * `stop()`, and with this process (its stdin closes).
 */
export async function startMemoryFauxqs(
  bucket: string,
): Promise<{ endpoint: string; client: S3Client; stop(): Promise<void> }> {
  const script = path.resolve(__dirname, '../support/fauxqs-server.mjs');
  const child = spawn(process.execPath, [script, '--port', '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('fauxqs did not start in 15 s')), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fauxqs exited (${code}) before it listened`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3_TEST_CREDENTIALS },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      child.kill('SIGKILL');
      await exited;
    },
  };
}
