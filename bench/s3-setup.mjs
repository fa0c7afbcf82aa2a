// What the S3 benchmarks share (not a benchmark itself: run.mjs runs only *.bench.mjs): fauxqs on
// disk as a process of its own on 127.0.0.1 (test/support/fauxqs-server.mjs), an SDK client for
// arranging and checking, and the environments that make DataFerry, rclone and the AWS CLI talk
// to it without touching the user's configuration:
// - fauxqs answers 413 to request bodies over 11 MiB, so every tool uploads parts of 8 MiB:
//   rclone `--s3-chunk-size 8M --s3-upload-cutoff 8M` (its defaults: 5 MiB parts, multipart from
//   200 MiB), the AWS CLI `multipart_chunksize = 8MB` and `multipart_threshold = 8MB` (its
//   defaults) in a temporary AWS_CONFIG_FILE;
// - rclone (Go) sends the ETags of CompleteMultipartUpload as `&#34;...&#34;`, which fauxqs 2.4.1
//   does not decode (InvalidPart); fauxqs-server.mjs adds that decoding while fauxqs loads;
// - rclone 1.60 fails with LoadCustomCABundleError when AWS_CA_BUNDLE is set: unset for it;
// - path-style addressing everywhere (a bucket name in front of 127.0.0.1 would be a DNS query).
import { spawn } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { repo } from './bench-data.mjs';

const FAUXQS = path.join(repo, 'test', 'support', 'fauxqs-server.mjs');
/** The Debian AWS CLI: an older `aws` (pyenv) may come first on PATH. */
export const AWS = '/usr/bin/aws';
export const REGION = 'us-east-1';
const PART = 8 * 1024 * 1024;
/** Multipart from 8 MiB on, as the AWS CLI does (a single larger PUT exceeds fauxqs's limit). */
export const RCLONE_FLAGS = ['--s3-chunk-size', '8M', '--s3-upload-cutoff', '8M'];

/**
 * fauxqs on disk (`storage`) in a process of its own; resolves once it listens with
 * { port, endpoint, client, stop }. Rejects with what it printed when it exits first.
 */
export async function startFauxqs(storage) {
  const child = spawn(process.execPath, [FAUXQS, '--storage', storage], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let printed = '';
  const port = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      printed += chunk;
      const match = /\{"port":(\d+)\}/.exec(printed);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}):\n${printed}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const stop = () =>
    new Promise((resolve) => {
      client.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { pid: child.pid, port, endpoint, client, stop };
}

/**
 * The environments of the tools: `env` (fixed credentials and region, no profile, no instance
 * metadata lookups, an AWS config file of our own written into `base`, DataFerry's data folder
 * `dataDir`) and `rcloneEnv` (a remote named `fauxqs:` from variables, no config file).
 */
export function s3ToolEnvs(base, endpoint, dataDir) {
  const awsConfig = path.join(base, 'aws-config');
  writeFileSync(
    awsConfig,
    `[default]\nregion = ${REGION}\ns3 =\n  multipart_chunksize = 8MB\n  multipart_threshold = 8MB\n  addressing_style = path\n`,
  );
  writeFileSync(path.join(base, 'aws-credentials'), '');
  const env = { ...process.env };
  for (const name of [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
  ])
    delete env[name];
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: path.join(base, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    DATAFERRY_DATA_DIR: dataDir,
  });
  const rcloneEnv = {
    ...env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_FAUXQS_TYPE: 's3',
    RCLONE_CONFIG_FAUXQS_PROVIDER: 'Other',
    RCLONE_CONFIG_FAUXQS_ACCESS_KEY_ID: 'bench',
    RCLONE_CONFIG_FAUXQS_SECRET_ACCESS_KEY: 'bench',
    RCLONE_CONFIG_FAUXQS_REGION: REGION,
    RCLONE_CONFIG_FAUXQS_ENDPOINT: endpoint,
    RCLONE_CONFIG_FAUXQS_FORCE_PATH_STYLE: 'true',
  };
  delete rcloneEnv.AWS_CA_BUNDLE;
  return { env, rcloneEnv };
}

/** DataFerry's location URL of `bucket/prefix` on `endpoint`. */
export const dataferryS3Url = (endpoint, bucket, prefix) =>
  `s3://${bucket}/${prefix}?endpoint=${endpoint}&region=${REGION}&pathStyle=true`;

/**
 * Every object under `prefix/` as relative key -> size, through ListObjectsV2 pages. Empty
 * objects named like folders ("prefix/", "prefix/d0/") are folder markers, which DataSync
 * writes too: not files.
 */
export async function listS3(client, bucket, prefix) {
  const found = new Map();
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const rel = o.Key.slice(prefix.length + 1);
      if ((rel === '' || rel.endsWith('/')) && o.Size === 0) continue;
      found.set(rel, o.Size);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** Uploads a file in 8 MiB parts with the SDK's own commands (no tool under test involved). */
export async function seedMultipart(client, bucket, key, file) {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const parts = [];
  let number = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: PART })) {
    number++;
    const { ETag } = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: number,
        Body: chunk,
      }),
    );
    parts.push({ PartNumber: number, ETag });
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

/** PUTs `count` objects, `keyOf(i)` with `bodyOf(i)`, 16 at a time, with the SDK. */
export async function seedObjects(client, bucket, count, keyOf, bodyOf) {
  for (let i = 0; i < count; i += 16)
    await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, (_, j) =>
        client.send(
          new PutObjectCommand({ Bucket: bucket, Key: keyOf(i + j), Body: bodyOf(i + j) }),
        ),
      ),
    );
}
