// Transfers between the local disk and S3, DataFerry's `dataferry run` (the real CLI) against
// rclone (`rclone copy`) and the AWS CLI (`aws s3 cp --recursive`, `aws s3 sync` for the re-run),
// on the same data against the same server in the same run. The server is fauxqs on disk
// (test/support/fauxqs-server.mjs, a process of its own on 127.0.0.1): it spends about one CPU
// core per 85-90 MB/s and caps every client alike, so only the ratios mean something. Each case
// is the median of RUNS runs, every run into a fresh destination; the ratio is DataFerry's time
// over the peer's (1.00x = as fast, lower is faster).
//
// Every run is checked afterwards (not timed): the destination must hold exactly the expected
// keys or files with the expected sizes (empty folder-marker objects such as `prefix/d0/` aside),
// and a few of them are compared byte for byte with the source, so a fast but wrong tool shows up
// as failed. A tool that fails prints its error in its
// row; the other tools still run.
//
// Settings that make the peers work against fauxqs (none changes node_modules or the user's
// configuration):
// - fauxqs answers 413 to request bodies over 11 MiB, so every tool uploads parts of 8 MiB:
//   rclone `--s3-chunk-size 8M --s3-upload-cutoff 8M` (its defaults: 5 MiB parts, multipart from
//   200 MiB), the AWS CLI `multipart_chunksize = 8MB` and `multipart_threshold = 8MB` (its
//   defaults) in a temporary AWS_CONFIG_FILE;
// - rclone (Go) sends the ETags of CompleteMultipartUpload as `&#34;...&#34;`, which fauxqs 2.4.1
//   does not decode (InvalidPart); fauxqs-server.mjs adds that decoding while fauxqs loads;
// - rclone 1.60 fails with LoadCustomCABundleError when AWS_CA_BUNDLE is set: unset for it;
// - path-style addressing everywhere (a bucket name in front of 127.0.0.1 would be a DNS query).
//   BENCH_RUNS=3  BENCH_BIG_MIB=1024  BENCH_S3_FILES=5000
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  BIG_MIB,
  BIN,
  FILE_SIZE,
  RUNS,
  compareListing,
  median,
  progress,
  repo,
  readRange,
  smallContent,
  smallPath,
  walk,
} from './bench-data.mjs';

const FAUXQS = path.join(repo, 'test', 'support', 'fauxqs-server.mjs');
const AWS = '/usr/bin/aws'; // an older `aws` (pyenv) may come first on PATH
const FILES = Number(process.env.BENCH_S3_FILES ?? 5000);
const BUCKET = 'bench';
const REGION = 'us-east-1';
const PART = 8 * 1024 * 1024;

function have(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Runs a command after `sync`, returns its wall time in ms, throws with its own message. */
function timed(command, args, env) {
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, maxBuffer: 1 << 26, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const said = `${result.stderr}\n${result.stdout}`
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const line = said.find((l) => /error|failed|not supported/i.test(l)) ?? said[0] ?? '';
    throw new Error(`exit ${result.status ?? result.signal}: ${line}`);
  }
  return ms;
}

/** fauxqs on disk in a process of its own; resolves once it listens. */
async function startServer(storage) {
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
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { port, stop };
}

/** Uploads a file in 8 MiB parts with the SDK's own commands (no tool under test involved). */
async function seedMultipart(client, key, file) {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
  );
  const parts = [];
  let number = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: PART })) {
    number++;
    const { ETag } = await client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
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
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

export async function run() {
  for (const tool of ['rclone', AWS]) {
    if (!have(tool))
      throw new Error(`${tool} is needed for this benchmark (apt-get install rclone awscli)`);
  }
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-s3-'));
  const server = await startServer(path.join(base, 'fauxqs'));
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });

  // One environment for all: fixed credentials and region, no profile, no instance metadata
  // lookups, a configuration file of our own.
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
    DATAFERRY_DATA_DIR: path.join(base, 'data'),
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

  const s3url = (prefix) =>
    `s3://${BUCKET}/${prefix}?endpoint=${endpoint}&region=${REGION}&pathStyle=true`;
  // Multipart from 8 MiB on, as the AWS CLI does (rclone's default cutoff is 200 MiB, and a
  // single PUT of a smaller large file would exceed fauxqs's 11 MiB body limit).
  const rcloneFlags = ['--s3-chunk-size', '8M', '--s3-upload-cutoff', '8M'];
  const awsFlags = ['--endpoint-url', endpoint, '--only-show-errors', '--no-progress'];
  // Each tool: upload a folder to a prefix, download a prefix to a folder, re-run the upload.
  const tools = {
    dataferry: {
      up: (src, prefix) =>
        timed(process.execPath, [BIN, 'run', '--from', src, '--to', s3url(prefix), '--json'], env),
      down: (prefix, dst) =>
        timed(process.execPath, [BIN, 'run', '--from', s3url(prefix), '--to', dst, '--json'], env),
      again: (src, prefix) =>
        timed(process.execPath, [BIN, 'run', '--from', src, '--to', s3url(prefix), '--json'], env),
    },
    rclone: {
      up: (src, prefix) =>
        timed('rclone', ['copy', src, `fauxqs:${BUCKET}/${prefix}`, ...rcloneFlags], rcloneEnv),
      down: (prefix, dst) =>
        timed('rclone', ['copy', `fauxqs:${BUCKET}/${prefix}`, dst, ...rcloneFlags], rcloneEnv),
      again: (src, prefix) =>
        timed('rclone', ['copy', src, `fauxqs:${BUCKET}/${prefix}`, ...rcloneFlags], rcloneEnv),
    },
    'aws cli': {
      up: (src, prefix) =>
        timed(AWS, ['s3', 'cp', '--recursive', src, `s3://${BUCKET}/${prefix}/`, ...awsFlags], env),
      down: (prefix, dst) =>
        timed(AWS, ['s3', 'cp', '--recursive', `s3://${BUCKET}/${prefix}/`, dst, ...awsFlags], env),
      again: (src, prefix) =>
        timed(AWS, ['s3', 'sync', src, `s3://${BUCKET}/${prefix}/`, ...awsFlags], env),
    },
  };
  const slug = (tool) => tool.replace(/\W+/g, '-');

  // What a destination holds, and checks of it.
  const listS3 = async (prefix) => {
    const found = new Map();
    let token;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: `${prefix}/`,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        const rel = o.Key.slice(prefix.length + 1);
        // Empty objects named like folders ("prefix/", "prefix/d0/") are folder markers, which
        // DataSync writes too: not files.
        if ((rel === '' || rel.endsWith('/')) && o.Size === 0) continue;
        found.set(rel, o.Size);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  };
  const getS3 = async (key, range) => {
    const r = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range ? { Range: range } : {}) }),
    );
    return Buffer.from(await r.Body.transformToByteArray());
  };
  const removeS3 = async (prefix) => {
    const keys = [...(await listS3(prefix)).keys()].map((rel) => ({ Key: `${prefix}/${rel}` }));
    for (let i = 0; i < keys.length; i += 1000)
      await client.send(
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.slice(i, i + 1000) } }),
      );
  };
  // Spot checks: the start, middle and end of the large file; three of the small files.
  const bigFile = path.join(base, 'big-src', 'big.bin');
  const bigBytes = BIG_MIB * 1024 * 1024;
  const spotRanges = [0, Math.floor(bigBytes / 2) - 1000, bigBytes - 65536].map((start) => [
    Math.max(0, start),
    Math.min(65536, bigBytes),
  ]);
  const spotFiles = [0, Math.floor(FILES / 2), FILES - 1];
  const checks = {
    big: {
      expected: new Map([['big.bin', bigBytes]]),
      async s3(prefix) {
        for (const [start, length] of spotRanges) {
          const got = await getS3(`${prefix}/big.bin`, `bytes=${start}-${start + length - 1}`);
          if (!got.equals(readRange(bigFile, start, length)))
            throw new Error(`wrong bytes at ${start} of ${prefix}/big.bin`);
        }
      },
      local(dir) {
        for (const [start, length] of spotRanges) {
          if (
            !readRange(path.join(dir, 'big.bin'), start, length).equals(
              readRange(bigFile, start, length),
            )
          )
            throw new Error(`wrong bytes at ${start} of ${dir}/big.bin`);
        }
      },
    },
    small: {
      expected: new Map(Array.from({ length: FILES }, (_, i) => [smallPath(i), FILE_SIZE])),
      async s3(prefix) {
        for (const i of spotFiles)
          if (!(await getS3(`${prefix}/${smallPath(i)}`)).equals(smallContent(i)))
            throw new Error(`wrong content in ${prefix}/${smallPath(i)}`);
      },
      local(dir) {
        for (const i of spotFiles)
          if (!readFileSync(path.join(dir, smallPath(i))).equals(smallContent(i)))
            throw new Error(`wrong content in ${dir}/${smallPath(i)}`);
      },
    },
  };
  const verifyS3 = async (set, prefix) => {
    compareListing(await listS3(prefix), checks[set].expected, `s3://${BUCKET}/${prefix}`);
    await checks[set].s3(prefix);
  };
  const verifyLocal = (set, dir) => {
    compareListing(walk(dir), checks[set].expected, dir);
    checks[set].local(dir);
  };

  let counter = 0;
  const results = {}; // case -> tool -> { ms } | { error }
  async function measure(caseName, runOne) {
    const samples = Object.fromEntries(Object.keys(tools).map((t) => [t, []]));
    const errors = {};
    for (let i = 0; i < RUNS; i++) {
      for (const tool of Object.keys(tools)) {
        if (errors[tool]) continue;
        try {
          const ms = await runOne(tool, ++counter);
          samples[tool].push(ms);
          progress(`${caseName}: ${tool} ${(ms / 1000).toFixed(2)} s`);
        } catch (err) {
          errors[tool] = err.message.split('\n')[0].slice(0, 160);
          progress(`${caseName}: ${tool} FAILED: ${errors[tool]}`);
        }
      }
    }
    results[caseName] = Object.fromEntries(
      Object.keys(tools).map((t) => [
        t,
        errors[t] ? { error: errors[t] } : { ms: median(samples[t]) },
      ]),
    );
  }

  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));

    // The data: one large random file, FILES small files of distinct content.
    mkdirSync(path.dirname(bigFile), { recursive: true });
    spawnSync('dd', [
      'if=/dev/urandom',
      `of=${bigFile}`,
      'bs=1M',
      `count=${BIG_MIB}`,
      'status=none',
    ]);
    const smallSrc = path.join(base, 'small-src');
    for (let i = 0; i < FILES; i++) {
      const file = path.join(smallSrc, smallPath(i));
      if (i % 1000 === 0) mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, smallContent(i));
    }
    // The sources of the downloads, written with the SDK (no tool under test involved).
    progress('seeding the download sources');
    await seedMultipart(client, 'seed-big/big.bin', bigFile);
    for (let i = 0; i < FILES; i += 16)
      await Promise.all(
        Array.from({ length: Math.min(16, FILES - i) }, (_, j) =>
          client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `seed-small/${smallPath(i + j)}`,
              Body: smallContent(i + j),
            }),
          ),
        ),
      );
    await verifyS3('big', 'seed-big');
    await verifyS3('small', 'seed-small');

    const bigCase = `local -> S3, 1 file of ${BIG_MIB} MiB`;
    const bigDownCase = `S3 -> local, 1 file of ${BIG_MIB} MiB`;
    const smallCase = `local -> S3, ${FILES} files of 4 KiB`;
    const smallDownCase = `S3 -> local, ${FILES} files of 4 KiB`;
    const againCase = `no-change re-run, ${FILES} files`;

    await measure(bigCase, async (tool, n) => {
      const prefix = `up/${slug(tool)}-big-${n}`;
      try {
        const ms = tools[tool].up(path.dirname(bigFile), prefix);
        await verifyS3('big', prefix);
        return ms;
      } finally {
        await removeS3(prefix); // 1 GiB each: do not let them pile up on disk
      }
    });
    await measure(bigDownCase, async (tool, n) => {
      const dir = path.join(base, 'down', `${slug(tool)}-big-${n}`);
      mkdirSync(dir, { recursive: true });
      try {
        const ms = tools[tool].down('seed-big', dir);
        verifyLocal('big', dir);
        return ms;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    // The first successful upload of each tool is the destination of its no-change re-runs.
    const synced = {};
    await measure(smallCase, async (tool, n) => {
      const prefix = `up/${slug(tool)}-small-${n}`;
      const ms = tools[tool].up(smallSrc, prefix);
      await verifyS3('small', prefix);
      synced[tool] ??= prefix;
      return ms;
    });
    await measure(smallDownCase, async (tool, n) => {
      const dir = path.join(base, 'down', `${slug(tool)}-small-${n}`);
      mkdirSync(dir, { recursive: true });
      const ms = tools[tool].down('seed-small', dir);
      verifyLocal('small', dir);
      return ms;
    });
    await measure(againCase, async (tool) => {
      if (!synced[tool]) throw new Error('no successful upload to re-run onto');
      const ms = tools[tool].again(smallSrc, synced[tool]);
      await verifyS3('small', synced[tool]);
      return ms;
    });

    // The report.
    const seconds = (r) => ('ms' in r ? (r.ms / 1000).toFixed(2) : 'failed');
    const mibs = (ms) => `${(BIG_MIB / (ms / 1000)).toFixed(0)} MiB/s`;
    const filesPerSec = (ms) => `${(FILES / (ms / 1000)).toFixed(0)} files/s`;
    const perCase = {
      [bigCase]: mibs,
      [bigDownCase]: mibs,
      [smallCase]: filesPerSec,
      [smallDownCase]: filesPerSec,
      [againCase]: filesPerSec,
    };
    console.log(
      `fauxqs ${endpoint} on disk, median of ${RUNS} runs; ratio = DataFerry time / peer time (lower is better)`,
    );
    console.log(
      [
        'case'.padEnd(36),
        'peer'.padEnd(8),
        'peer s'.padStart(8),
        'ours s'.padStart(8),
        'ratio'.padStart(7),
        '  note',
      ].join(' '),
    );
    for (const [caseName, byTool] of Object.entries(results)) {
      const ours = byTool.dataferry;
      for (const peer of ['rclone', 'aws cli']) {
        const theirs = byTool[peer];
        const ratio = 'ms' in ours && 'ms' in theirs ? `${(ours.ms / theirs.ms).toFixed(2)}x` : '-';
        const per = perCase[caseName];
        const notes =
          'ms' in ours && 'ms' in theirs
            ? [`${per(ours.ms)} vs ${per(theirs.ms)}`]
            : [
                'ms' in theirs ? `${peer} ${per(theirs.ms)}` : `${peer}: ${theirs.error}`,
                ...('error' in ours ? [`dataferry: ${ours.error}`] : [`dataferry ${per(ours.ms)}`]),
              ];
        console.log(
          [
            caseName.padEnd(36),
            peer.padEnd(8),
            seconds(theirs).padStart(8),
            seconds(ours).padStart(8),
            ratio.padStart(7),
            `  ${notes.join('; ')}`,
          ].join(' '),
        );
      }
    }
    console.log(
      'peers: rclone copy (8 MiB parts from 8 MiB on, else defaults: 4 transfers, 8 checkers), ' +
        'aws s3 cp --recursive / aws s3 sync (defaults: 10 requests, 8 MiB parts); ' +
        'every result checked: keys, sizes, spot-checked bytes',
    );
  } finally {
    client.destroy();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}
