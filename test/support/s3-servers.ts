/**
 * Real S3-compatible servers on 127.0.0.1 for tests, each in a process of its own (so a test can
 * kill it abruptly, and the CLI under test never shares an event loop with it). See
 * /work/shared/design/test-servers.md, "S3-compatible".
 *
 * What each server does, probed with @aws-sdk/client-s3 3.1175 (fauxqs 2.4.1, s3rver 3.7.1):
 *
 * | feature                        | fauxqs                              | s3rver                       |
 * | ------------------------------ | ----------------------------------- | ---------------------------- |
 * | Put/Get/Head/Delete, CopyObject| yes                                 | yes                          |
 * | Range GET                      | yes                                 | yes                          |
 * | ListObjectsV2 paging           | yes                                 | yes (slows as it fills)      |
 * | largest request body           | 11 MiB (413 above: parts <= 8 MiB)  | no limit seen                |
 * | multipart upload               | yes, ETag `md5-N`                   | yes, ETag without `-N`       |
 * | AbortMultipartUpload           | yes (again: 404 NoSuchUpload)       | no: 405 MethodNotAllowed     |
 * | ListMultipartUploads           | only as fauxqs-server.mjs runs it   | no: 501 NotImplemented       |
 * |                                | (one page); fauxqs itself answers   |                              |
 * |                                | `GET ?uploads` as a ListObjects V1  |                              |
 * | ListParts                      | no: 404 NoSuchKey                   | no: 405 MethodNotAllowed     |
 * | GetObjectAttributes            | yes (ETag, Checksum, ObjectParts)   | no: 404                      |
 * | object tagging                 | NO, and harmful: PutObjectTagging   | Put/GetObjectTagging yes,    |
 * |                                | REPLACES the object's body with the | DeleteObjectTagging 501,     |
 * |                                | tagging XML, GetObjectTagging parses| `x-amz-tagging` on PUT is    |
 * |                                | the body, DeleteObjectTagging       | ignored                      |
 * |                                | DELETES the object; `x-amz-tagging` |                              |
 * |                                | on PUT is ignored                   |                              |
 * | checksums (x-amz-checksum-*)   | CRC32, SHA1, SHA256 stored and      | ignored; a streamed body     |
 * |                                | returned (composite `-N` for        | sent aws-chunked is stored   |
 * |                                | multipart), never verified (a wrong | WITH its chunk framing, so   |
 * |                                | value is accepted); CRC32C ignored  | clients must use             |
 * |                                |                                     | requestChecksumCalculation:  |
 * |                                |                                     | 'WHEN_REQUIRED'              |
 * | Content-MD5                    | not verified                        | not verified                 |
 * | If-None-Match / If-Match (PUT) | ignored                             | ignored                      |
 * | credentials                    | any                                 | access key `S3RVER` only     |
 * |                                |                                     | (SigV4 signature unchecked)  |
 * | versioning, ACLs               | no                                  | no                           |
 *
 * `listUploads()` reads the uploads in progress from the server's storage folder (fauxqs:
 * `_multipart/<id>/.upload.json`; s3rver: `<bucket>/._S3rver_uploads/<id>/key`), not through
 * the API: tests check that nothing was left behind independently of what the run asked.
 * On s3rver an upload can never be aborted, so leftovers there are expected.
 *
 * fauxqs runs through test/support/fauxqs-server.mjs, which binds it to 127.0.0.1 (fauxqs itself
 * binds 0.0.0.0) and makes CompleteMultipartUpload decode numeric XML entities (`&#34;`), as S3
 * does. s3rver runs with `--openssl-legacy-provider` (without it, truncated listings answer 500).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';

export type S3ServerKind = 'fauxqs' | 's3rver';

/** Credentials both servers accept (s3rver knows only this access key; fauxqs takes any). */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const S3_TEST_REGION = 'us-east-1';

export interface RunningS3Server {
  kind: S3ServerKind;
  endpoint: string; // "http://127.0.0.1:PORT"
  port: number;
  /** The folder the server keeps its buckets in. */
  storageDir: string;
  /** An SDK client for arranging and inspecting (path style, S3_TEST_CREDENTIALS). */
  client: S3Client;
  /** Environment for a process under test: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION. */
  env: Record<string, string>;
  /** A DataFerry location URL for a bucket (and prefix) on this server. */
  url(bucket: string, prefix?: string): string;
  createBucket(name: string): Promise<void>;
  /** Every key in a bucket (all pages), sorted. */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /**
   * In-progress multipart uploads of a bucket, or null where they cannot be listed. Read from
   * the server's storage folder (neither server implements ListMultipartUploads).
   */
  listUploads(bucket: string): Promise<{ key: string; uploadId: string }[] | null>;
  /**
   * Stops the server for good: SIGKILL, then removes the storage folder if this helper made it
   * (idempotent). Its port refuses connections afterwards. To take the server down and bring it
   * back, use kill() and restart().
   */
  stop(): Promise<void>;
  /** Kills the process abruptly (SIGKILL), as a crash would; storage is kept for restart(). */
  kill(): Promise<void>;
  /** Kills the server if it runs, then starts it again on the same port with the same storage. */
  restart(): Promise<void>;
  /** Everything the server process printed, for failure messages. */
  output(): string;
}

const REPO = path.resolve(__dirname, '..', '..');
const FAUXQS_SCRIPT = path.join(REPO, 'test', 'support', 'fauxqs-server.mjs');
const S3RVER_MODULE = path.join(REPO, 'node_modules', 's3rver');
// s3rver's own bin cannot notice that its parent died; this one exits when its stdin closes.
const S3RVER_SCRIPT = `
const S3rver = require(process.argv[1]);
new S3rver({ address: '127.0.0.1', port: Number(process.argv[2]), directory: process.argv[3], silent: true })
  .run()
  .then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'))
  .catch((err) => { console.error(err); process.exit(1); });
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
`;
const START_TIMEOUT_MS = 15_000;

// Whatever a test forgets, no server outlives the test process and no temp storage stays.
const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

interface Started {
  child: ChildProcess;
  port: number;
}

function spawnServer(kind: S3ServerKind, port: number, storageDir: string): ChildProcess {
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
  if (kind === 'fauxqs') {
    return spawn(
      process.execPath,
      [FAUXQS_SCRIPT, '--port', String(port), '--storage', storageDir],
      { stdio, cwd: REPO },
    );
  }
  return spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', S3RVER_SCRIPT, S3RVER_MODULE, String(port), storageDir],
    { stdio, cwd: REPO },
  );
}

async function startProcess(
  kind: S3ServerKind,
  port: number,
  storageDir: string,
  log: (text: string) => void,
): Promise<Started> {
  const child = spawnServer(kind, port, storageDir);
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString()));
  let stdout = '';
  try {
    const actualPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${kind} did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        log(text);
        stdout += text;
        const match = /\{"port":(\d+)\}/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${kind} exited (${code ?? signal}) before it listened`));
      });
    });
    return { child, port: actualPort };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts a server of that kind on 127.0.0.1 on a free port and waits until it listens. */
export async function startS3Server(
  kind: S3ServerKind,
  options: { storageDir?: string } = {},
): Promise<RunningS3Server> {
  installExitHook();
  const ownStorage = options.storageDir === undefined;
  const storageDir =
    options.storageDir ?? (await mkdtemp(path.join(os.tmpdir(), `dataferry-${kind}-`)));
  if (ownStorage) tempDirs.add(storageDir);
  let printed = '';
  const log = (text: string): void => {
    printed += text;
  };

  let current: Started;
  try {
    current = await startProcess(kind, 0, storageDir, log);
  } catch (err) {
    if (ownStorage) {
      await rm(storageDir, { recursive: true, force: true });
      tempDirs.delete(storageDir);
    }
    throw new Error(`${(err as Error).message}\n${printed}`, { cause: err });
  }
  const port = current.port;
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;

  const client = new S3Client({
    endpoint,
    region: S3_TEST_REGION,
    forcePathStyle: true,
    credentials: { ...S3_TEST_CREDENTIALS },
    // s3rver would store the aws-chunked framing of streamed bodies inside the objects.
    ...(kind === 's3rver'
      ? {
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });

  const listUploads = async (bucket: string): Promise<{ key: string; uploadId: string }[]> => {
    const found: { key: string; uploadId: string }[] = [];
    const dir =
      kind === 'fauxqs'
        ? path.join(storageDir, '_multipart')
        : path.join(storageDir, bucket, '._S3rver_uploads');
    const ids = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const uploadId of ids) {
      try {
        if (kind === 'fauxqs') {
          const meta = JSON.parse(
            await readFile(path.join(dir, uploadId, '.upload.json'), 'utf8'),
          ) as { bucket: string; key: string };
          if (meta.bucket === bucket) found.push({ key: meta.key, uploadId });
        } else {
          found.push({ key: await readFile(path.join(dir, uploadId, 'key'), 'utf8'), uploadId });
        }
      } catch (err) {
        // Completed or aborted while we looked.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };

  return {
    kind,
    endpoint,
    port,
    storageDir,
    client,
    env: {
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3_TEST_REGION,
    },
    url: (bucket, prefix = '') => `s3://${bucket}/${prefix}?endpoint=${endpoint}&pathStyle=true`,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async listKeys(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page: ListObjectsV2CommandOutput = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    listUploads,
    async stop() {
      if (stopped) return;
      stopped = true;
      await killProcess(current.child);
      client.destroy();
      if (ownStorage) {
        await rm(storageDir, { recursive: true, force: true });
        tempDirs.delete(storageDir);
      }
    },
    async kill() {
      await killProcess(current.child);
    },
    async restart() {
      if (stopped) throw new Error(`${kind} was stopped for good; use kill() then restart()`);
      await killProcess(current.child);
      // The port was just freed; another process may briefly hold it, so try a few times.
      let lastError: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          current = await startProcess(kind, port, storageDir, log);
          return;
        } catch (err) {
          lastError = err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw new Error(`${kind} did not restart on port ${port}\n${printed}`, { cause: lastError });
    },
    output: () => printed,
  };
}
