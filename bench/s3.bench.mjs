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
// The settings that make the peers work against fauxqs are in s3-setup.mjs.
//   BENCH_RUNS=3  BENCH_BIG_MIB=1024  BENCH_S3_FILES=5000
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
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
  writeSmallSet,
} from './bench-data.mjs';
import {
  AWS,
  RCLONE_FLAGS,
  dataferryS3Url,
  listS3 as listPrefix,
  s3ToolEnvs,
  seedMultipart,
  seedObjects,
  startFauxqs,
} from './s3-setup.mjs';

const FILES = Number(process.env.BENCH_S3_FILES ?? 5000);
const BUCKET = 'bench';

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

export async function run() {
  for (const tool of ['rclone', AWS]) {
    if (!have(tool))
      throw new Error(`${tool} is needed for this benchmark (apt-get install rclone awscli)`);
  }
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-s3-'));
  const server = await startFauxqs(path.join(base, 'fauxqs'));
  const { endpoint, client } = server;
  const { env, rcloneEnv } = s3ToolEnvs(base, endpoint, path.join(base, 'data'));

  const s3url = (prefix) => dataferryS3Url(endpoint, BUCKET, prefix);
  const rcloneFlags = RCLONE_FLAGS;
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
  const listS3 = (prefix) => listPrefix(client, BUCKET, prefix);
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
    writeSmallSet(smallSrc, FILES);
    // The sources of the downloads, written with the SDK (no tool under test involved).
    progress('seeding the download sources');
    await seedMultipart(client, BUCKET, 'seed-big/big.bin', bigFile);
    await seedObjects(client, BUCKET, FILES, (i) => `seed-small/${smallPath(i)}`, smallContent);
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
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}
