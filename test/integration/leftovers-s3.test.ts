import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { MiB } from '../support/fault-run';
import {
  cancelLeavesNothing,
  killThenRerunCleans,
  type LeftoverDestination,
} from '../support/leftovers-run';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * Nothing left behind in an S3 bucket (fauxqs; issue 15, item 1): a run killed with SIGKILL in
 * the middle of a multipart upload under a sub-prefix that existed before it leaves the upload
 * in progress, and the next run aborts it although it has nothing to do there; a cancelled run
 * (SIGINT, SIGTERM) aborts its own uploads before it ends. Uploads are counted from the
 * server's storage folder (s3-servers.ts listUploads), not through the API the run uses.
 */

const BUCKET = 'leftovers';
let server: RunningS3Server;
let count = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket(BUCKET);
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

/** A fresh prefix of the bucket, as a destination. */
function destination(): LeftoverDestination {
  const p = `l${++count}`;
  const keys = async (): Promise<string[]> =>
    (await server.listKeys(BUCKET, `${p}/`)).map((k) => k.slice(p.length + 1));
  const uploads = async (): Promise<string[]> =>
    ((await server.listUploads(BUCKET)) ?? [])
      .map((u) => u.key)
      .filter((k) => k.startsWith(`${p}/`))
      .map((k) => k.slice(p.length + 1));
  const objectsIn = async (folder: string): Promise<number> =>
    (await keys()).filter((k) => k.startsWith(`${folder}/`) && !k.endsWith('/')).length;
  return {
    to: server.url(BUCKET, p),
    env: server.env,
    leftovers: async () => [
      ...(await keys()).filter((k) => k.includes('.dataferry-')),
      ...(await uploads()).map((k) => `upload:${k}`),
    ],
    files: async () => {
      const out: Record<string, string> = {};
      for (const key of await keys()) {
        if (key === '' || key.endsWith('/')) continue; // folder markers
        const got = await server.client.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `${p}/${key}` }),
        );
        const body = Buffer.from(
          await (
            got.Body as { transformToByteArray(): Promise<Uint8Array> }
          ).transformToByteArray(),
        );
        out[key] = createHash('sha256').update(body).digest('hex');
      }
      return out;
    },
    halfWay: async () => ((await uploads()).includes('sub/deep/big.bin') ? true : undefined),
    busy: async () =>
      (await uploads()).includes('sub/deep/big.bin') && (await objectsIn('sub/many')) > 40
        ? true
        : undefined,
  };
}

describe('S3 destination: multipart uploads of interrupted runs', () => {
  it('SIGKILL mid-upload under an existing sub-prefix: the next run aborts the upload although nothing else changed there', async () => {
    const { leftAfterKill, log } = await killThenRerunCleans(
      destination(),
      await local('los3-src'),
      await local('los3-data'),
      24 * MiB,
    );
    console.info(
      `S3 SIGKILL left: ${JSON.stringify(leftAfterKill)}; re-run log: ${JSON.stringify(log)}`,
    );
    expect(leftAfterKill).toEqual(['upload:sub/deep/big.bin']);
    expect(log).toContain('Aborted 1 multipart upload(s) of an interrupted run in /sub/deep');
  }, 120_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-upload: the run ends CANCELLED and leaves no multipart upload`, async () => {
      await cancelLeavesNothing(
        destination(),
        await local('los3-src'),
        await local('los3-data'),
        24 * MiB,
        signal,
      );
    }, 120_000);
  }
});
