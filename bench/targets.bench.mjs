// The targets table of the per-file-cost issue: every case against the tool a user would
// otherwise pick, DataFerry's time and the peer's, their ratio, and the peak memory of both, from
// one run. `npm run bench` builds the app, runs this table first, then the older benchmarks
// (bench/run.mjs: targets first, then the other *.bench.mjs in name order); `node bench/run.mjs
// targets` runs the table alone (after `npx electron-vite build`).
//
// How each row is measured:
// - time: the median of BENCH_RUNS runs, DataFerry and the peer taking turns, `sync` before every
//   run, every run into a fresh destination (a no-change re-run onto the copy that tool made,
//   untimed, beforehand); ratio = DataFerry time / peer time (lower is better);
// - memory: the resident size of the whole process tree (the process and all its descendants,
//   summed, from /proc every ~20 ms; GNU time's max RSS of the largest single process folded
//   in), the largest of the runs. For the rows driven through the running app it is the web
//   host's process (`node out/main/serve.js`, engine and workers included) while the execution or
//   the browse runs;
// - every run is checked afterwards, untimed (the lines under the table say how); a run that
//   fails or leaves a wrong result fails its tool in that row (not run again), the rest goes on;
// - target: the issue's per row (targetOf): ratio <= 1.00 (no slower than the peer), 1.50 for
//   the cold CLI re-run, the SMB 1 GiB rows and all rows of a listing, under 1 s for its first
//   rows (BENCH_TARGET_RATIO scales them); peak memory at most twice the peer's or 120 MiB,
//   whichever is larger.
//
// The DataFerry side: the real CLI (`node bin/dataferry.js run --json`, defaults unless the row
// says otherwise) or the web host started once (`node out/main/serve.js`, locations, tasks,
// executions and browsing through its WebSocket API as the UI does). The servers run on
// 127.0.0.1 only: fauxqs on disk (S3), a private smbd (SMB, signed: DataFerry signs every
// message, smbclient runs with --client-protection=sign), nfs-ganesha (NFSv3, needs root); all
// are stopped and the temporary folders removed at the end, also after a failure.
//
// Knobs (defaults are the full size; a quick run: BENCH_RUNS=1 BENCH_SMALL_FILES=2000
// BENCH_S3_FILES=500 BENCH_SMB_FILES=500 BENCH_BIG_MIB=64 BENCH_LIST_OBJECTS=2000):
//   BENCH_RUNS=3  BENCH_SMALL_FILES=20000  BENCH_S3_FILES=5000  BENCH_SMB_FILES=5000
//   BENCH_BIG_MIB=1024  BENCH_LIST_OBJECTS=20000  BENCH_TARGET_RATIO=1
//   BENCH_TREE_SRC=<the project's node_modules, resolved> (the real tree, copied with cp -a)
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  BIN,
  FILE_SIZE,
  compareListing,
  dataSetChecks,
  median,
  progress,
  repo,
  smallContent,
  smallPath,
  writeSmallSet,
  reason,
} from './bench-data.mjs';
import { GNU_TIME, abortMeasured, have, measureCommand, sampleTree } from './process-tree.mjs';
import {
  AWS,
  RCLONE_FLAGS,
  dataferryS3Url,
  listS3,
  s3ToolEnvs,
  seedMultipart,
  seedObjects,
  startFauxqs,
} from './s3-setup.mjs';
import { census, checkTree, snapshot } from './tree-check.mjs';
import { connect, startHost } from './web-host-client.mjs';

const knob = (name, fallback) => Number(process.env[name] ?? fallback);
const RUNS = knob('BENCH_RUNS', 3);
const SMALL_FILES = knob('BENCH_SMALL_FILES', 20000);
const S3_FILES = knob('BENCH_S3_FILES', 5000);
const SMB_FILES = knob('BENCH_SMB_FILES', 5000);
const BIG_MIB = knob('BENCH_BIG_MIB', 1024);
const LIST_OBJECTS = knob('BENCH_LIST_OBJECTS', 20000);
const TARGET_RATIO = knob('BENCH_TARGET_RATIO', 1);
const MEMORY_FLOOR_MIB = 120;
const TREE_SRC = process.env.BENCH_TREE_SRC ?? path.join(repo, 'node_modules');
const BUCKET = 'bench';
const SMB_DOMAIN = 'TESTGROUP'; // the workgroup of test/support/smb-server.ts
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED']);

/** Every tool the table needs, with what installs it; stops the run when one is missing. */
function checkPrerequisites() {
  const needs = [
    ['rsync', 'apt-get install rsync'],
    ['rclone', 'apt-get install rclone'],
    [AWS, 'apt-get install awscli'],
    ['/usr/bin/smbclient', 'apt-get install smbclient'],
    ['/usr/sbin/smbd', 'apt-get install samba'],
    ['/usr/bin/nfs-cp', 'apt-get install libnfs-utils'],
    ['/usr/bin/ganesha.nfsd', 'apt-get install nfs-ganesha nfs-ganesha-vfs'],
    ['/usr/lib/x86_64-linux-gnu/ganesha/libfsalvfs.so', 'apt-get install nfs-ganesha-vfs'],
    ['gcc', 'apt-get install gcc (builds the rpcbind shim of test/support/nfs-server.ts)'],
    [GNU_TIME, 'apt-get install time (GNU time)'],
    ['sync', 'coreutils'],
  ];
  const missing = needs.filter(([tool]) => !have(tool)).map(([tool, how]) => `${tool}: ${how}`);
  if (process.getuid?.() !== 0)
    missing.push('root: nfs-ganesha (FSAL VFS) and the private smbd need root; run as root');
  for (const built of ['out/main/cli.js', 'out/main/serve.js'])
    if (!existsSync(path.join(repo, built)))
      missing.push(`${built}: build first (npx electron-vite build, or npm run bench)`);
  if (!existsSync(TREE_SRC))
    missing.push(`${TREE_SRC}: the real tree to copy (npm ci, or set BENCH_TREE_SRC)`);
  if (missing.length)
    throw new Error(`the targets table cannot run; missing:\n  ${missing.join('\n  ')}`);
}

/** A peer's command, measured; throws with its own words when it fails. */
async function peer(command, args, options = {}) {
  const r = await measureCommand(command, args, options);
  if (r.status !== 0)
    throw new Error(`${path.basename(command)} exit ${r.status ?? r.signal}: ${reason(r)}`);
  return r;
}

/** `dataferry run ARGS --json`, measured; throws unless it ended SUCCESS. Adds `execution`. */
async function dataferry(args, env) {
  const r = await measureCommand(process.execPath, [BIN, 'run', ...args, '--json'], { env });
  let execution;
  try {
    execution = JSON.parse(r.stdout);
  } catch {
    throw new Error(`exit ${r.status ?? r.signal}: ${reason(r)}`);
  }
  if (r.status !== 0 || execution.status !== 'SUCCESS') {
    const c = execution.counters ?? {};
    throw new Error(
      `${execution.status} (exit ${r.status}): ${execution.error?.message ?? reason(r)}` +
        ` [${c.FilesTransferred ?? '?'} transferred, ${c.FilesFailed ?? '?'} failed]`,
    );
  }
  return { ...r, execution };
}

/** Throws unless a DataFerry execution moved exactly `files` files (0 for a no-change re-run). */
function expectTransferred(execution, files) {
  const c = execution.counters ?? {};
  if (c.FilesTransferred !== files || c.FilesFailed)
    throw new Error(
      `${c.FilesTransferred} files transferred (expected ${files}), ${c.FilesFailed} failed`,
    );
}

/** The table's rows in the order they are printed, filled in as the cases run. */
const rows = [];

/**
 * Measures row number `order` of the table: `runs.dataferry(n)` and `runs.peer(n)` (each
 * resolving { ms, peakMiB }, checking its own result and throwing when it is wrong) RUNS times
 * each, taking turns. `split`
 * turns the samples into more than one row (the listing's first rows / all rows).
 */
async function measure(order, caseName, peerName, checked, runs, split) {
  const samples = { dataferry: [], peer: [] };
  const errors = {};
  let n = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const tool of ['dataferry', 'peer']) {
      if (errors[tool]) continue;
      try {
        const sample = await runs[tool](++n);
        samples[tool].push(sample);
        progress(`${caseName}: ${tool === 'peer' ? peerName : 'DataFerry'} ${fmtS(sample.ms)} s`);
      } catch (err) {
        errors[tool] = err.message.split('\n')[0].slice(0, 300);
        progress(`${caseName}: ${tool} FAILED: ${errors[tool]}`);
      }
    }
  }
  const summary = (tool, pick = (s) => s) =>
    errors[tool]
      ? { error: errors[tool] }
      : {
          ms: median(samples[tool].map((s) => pick(s).ms)),
          peakMiB: Math.max(...samples[tool].map((s) => pick(s).peakMiB)),
        };
  for (const [i, [name, pick]] of (split ?? [[caseName, undefined]]).entries())
    rows.push({
      order: order + i / 10,
      caseName: name,
      peerName,
      checked,
      dataferry: summary('dataferry', pick),
      peer: summary('peer', pick),
    });
}

const fmtS = (ms) => (ms / 1000).toFixed(2);

/**
 * The issue's time target of a row: no slower than the peer, except a cold CLI re-run and the
 * SMB 1 GiB transfers (1.5x) and the first rows of a listing (under a second, whatever the peer
 * takes). BENCH_TARGET_RATIO scales the ratios.
 */
function targetOf(caseName) {
  if (/first rows/.test(caseName)) return { text: '< 1 s', met: (ms) => ms < 1000 * TARGET_RATIO };
  const limit =
    TARGET_RATIO * (/cold CLI|1024 MiB.*SMB|SMB.*1024 MiB|all rows/.test(caseName) ? 1.5 : 1);
  return { text: `<= ${limit.toFixed(2)}x`, met: (_ms, ratio) => ratio <= limit };
}
const thousands = (n) => n.toLocaleString('en-US');

function printTable() {
  const header = [
    'case',
    'peer',
    'DataFerry s',
    'peer s',
    'ratio',
    'DataFerry peak MiB',
    'peer peak MiB',
    'target',
    'met?',
  ];
  const cells = rows.map(({ caseName, peerName, dataferry: df, peer: p }) => {
    const ok = 'ms' in df && 'ms' in p;
    const ratio = ok ? df.ms / p.ms : null;
    const memoryLimit = ok ? Math.max(2 * p.peakMiB, MEMORY_FLOOR_MIB) : null;
    const goal = targetOf(caseName);
    const target = `${goal.text}; memory <= max(2x peer, ${MEMORY_FLOOR_MIB})`;
    const missed = [];
    if (ok && !goal.met(df.ms, ratio)) missed.push('time');
    if (ok && df.peakMiB > memoryLimit) missed.push('memory');
    return [
      caseName,
      peerName,
      'ms' in df ? fmtS(df.ms) : 'failed',
      'ms' in p ? fmtS(p.ms) : 'failed',
      ok ? `${ratio.toFixed(2)}x` : '-',
      'ms' in df ? df.peakMiB.toFixed(0) : '-',
      'ms' in p ? p.peakMiB.toFixed(0) : '-',
      target,
      !ok ? 'no (failed)' : missed.length ? `no (${missed.join(', ')})` : 'yes',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = (i) => i >= 2 && i <= 6;
  const line = (r) =>
    `| ${r.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const r of cells) console.log(line(r));
  console.log('');
  console.log('How each row was checked (every run, untimed):');
  for (const row of rows) {
    const errors = ['dataferry', 'peer']
      .filter((t) => 'error' in row[t])
      .map((t) => `; ${t === 'peer' ? row.peerName : 'DataFerry'} FAILED: ${row[t].error}`);
    console.log(`- ${row.caseName}: ${row.checked}${errors.join('')}`);
  }
}

export async function run() {
  checkPrerequisites();
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-targets-'));
  const out = path.join(base, 'out'); // every destination, removed with base
  mkdirSync(out);
  const bigDir = path.join(base, 'big-src');
  const bigFile = path.join(bigDir, 'big.bin');
  const bigBytes = BIG_MIB * 2 ** 20;
  const stops = []; // servers to stop at the end, newest first
  const cleanUp = async () => {
    abortMeasured();
    for (const stop of stops.splice(0)) await stop().catch(() => {});
    rmSync(base, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, a CI timeout): the servers stop and the folders go all the same.
  const onSignal = (signal) =>
    void cleanUp().finally(() => process.exit(128 + os.constants.signals[signal]));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let failure;
  try {
    // The web host, started once for the whole table, with its own data folder.
    const host = await startHost({ DATAFERRY_DATA_DIR: path.join(base, 'host-data'), HOME: base });
    hostPid = host.pid;
    stops.unshift(() => host.stop());
    const api = await connect(host);
    stops.unshift(async () => api.close());
    const cliEnv = { ...process.env, DATAFERRY_DATA_DIR: path.join(base, 'cli-data') };

    await localCases({ base, out, api, cliEnv });
    await treeCase({ base, out, cliEnv });

    mkdirSync(bigDir);
    spawnSync('dd', [
      'if=/dev/urandom',
      `of=${bigFile}`,
      'bs=1M',
      `count=${BIG_MIB}`,
      'status=none',
    ]);
    await s3Cases({ base, out, api, bigFile, bigBytes, stops });
    await smbCases({ base, out, bigFile, bigBytes, stops });
    await nfsCases({ base, out, bigFile, bigBytes, stops });
  } catch (err) {
    failure = err; // the rows measured so far are printed first
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
  rows.sort((a, b) => a.order - b.order); // the issue's order
  console.log(
    `Targets table: median of ${RUNS} runs, DataFerry and the peer taking turns, sync before ` +
      'each run; ratio = DataFerry time / peer time; peak = RSS of the whole process tree ' +
      `(largest of the runs); ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end`,
  );
  printTable();
  if (failure) throw failure;
}

/** The 20,000 small files: to a new folder, and no-change re-runs from the CLI and the app. */
async function localCases({ base, out, api, cliEnv }) {
  const src = path.join(base, 'small-src');
  progress(`writing ${SMALL_FILES} files of 4 KiB`);
  writeSmallSet(src, SMALL_FILES);
  const verify = dataSetChecks(null, 0, SMALL_FILES);
  const spot = `files ${[0, Math.floor(SMALL_FILES / 2), SMALL_FILES - 1].join(', ')}`;
  const listingCheck = (where) =>
    `${where} holds exactly ${thousands(SMALL_FILES)} files of ${FILE_SIZE} bytes at the ` +
    `source's paths (nothing missing or extra, no temporaries), ${spot} equal the source byte ` +
    'for byte';

  await measure(
    1,
    `${thousands(SMALL_FILES)} x 4 KiB local -> new local folder`,
    'rsync -a',
    `${listingCheck('each new folder')}; DataFerry ended SUCCESS with ${thousands(SMALL_FILES)} transferred`,
    {
      dataferry: async (n) => {
        const dst = path.join(out, `df-small-${n}`); // does not exist yet: a new folder
        const r = await dataferry(['--from', src, '--to', dst], cliEnv);
        expectTransferred(r.execution, SMALL_FILES);
        verify('small', dst);
        return r;
      },
      peer: async (n) => {
        const dst = path.join(out, `rsync-small-${n}`);
        const r = await peer('rsync', ['-a', `${src}/`, `${dst}/`]);
        verify('small', dst);
        return r;
      },
    },
  );

  // The copies the no-change re-runs run onto, each made by its own tool (untimed).
  const rsyncCopy = path.join(out, 'rsync-synced');
  await peer('rsync', ['-a', `${src}/`, `${rsyncCopy}/`]);
  const cliCopy = path.join(out, 'cli-synced');
  expectTransferred(
    (await dataferry(['--from', src, '--to', cliCopy], cliEnv)).execution,
    SMALL_FILES,
  );
  const hostCopy = path.join(out, 'host-synced');
  const location = (name, p) =>
    api.call('locations:create', { name, config: { kind: 'local', path: p } });
  const task = await api.call('tasks:create', {
    name: 'Targets re-run',
    sourceLocationId: (await location('Targets source', src)).id,
    destinationLocationId: (await location('Targets destination', hostCopy)).id,
  });
  const first = await hostExecution(api, task.id);
  if (first.execution.status !== 'SUCCESS')
    throw new Error(`the app's first execution ended ${first.execution.status}`);
  expectTransferred(first.execution, SMALL_FILES);
  verify('small', hostCopy);

  const rsyncAgain = async () => {
    const r = await peer('rsync', ['-a', `${src}/`, `${rsyncCopy}/`]);
    verify('small', rsyncCopy);
    return r;
  };
  const rerunCheck = (where) =>
    `DataFerry ended SUCCESS with 0 files transferred; ${listingCheck(`the copy (${where})`)} after every re-run`;
  await measure(
    3,
    `no-change re-run of the ${thousands(SMALL_FILES)}, through the running app (web host)`,
    'rsync -a',
    `${rerunCheck('made by the first execution of the task')}; time from executions:start to the execution:updated that ends it`,
    {
      dataferry: async () => {
        const r = await hostExecution(api, task.id);
        if (r.execution.status !== 'SUCCESS')
          throw new Error(`the execution ended ${r.execution.status}`);
        expectTransferred(r.execution, 0);
        verify('small', hostCopy);
        return r;
      },
      peer: rsyncAgain,
    },
  );
  await measure(
    4,
    `no-change re-run of the ${thousands(SMALL_FILES)}, cold CLI`,
    'rsync -a',
    rerunCheck('made by one dataferry run'),
    {
      dataferry: async () => {
        const r = await dataferry(['--from', src, '--to', cliCopy], cliEnv);
        expectTransferred(r.execution, 0);
        verify('small', cliCopy);
        return r;
      },
      peer: rsyncAgain,
    },
  );
  rmSync(src, { recursive: true, force: true });
}

/**
 * Starts an execution of `taskId` through the web host and waits for the event that ends it:
 * { ms, peakMiB (the host's process tree meanwhile), execution }.
 */
async function hostExecution(api, taskId) {
  const ended = new Map();
  let wake = () => {};
  const off = api.onEvent((event, payload) => {
    if (event === 'execution:updated' && TERMINAL.has(payload.status)) {
      ended.set(payload.id, payload);
      wake();
    }
  });
  spawnSync('sync');
  const sampler = sampleTree(hostPid);
  try {
    const start = process.hrtime.bigint();
    const record = await api.call('executions:start', { taskId });
    while (!ended.has(record.id)) await new Promise((resolve) => (wake = resolve));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { ms, peakMiB: sampler.stop(), execution: ended.get(record.id) };
  } finally {
    sampler.stop(); // also when the call fails: a running sampler keeps the process alive
    off();
  }
}
let hostPid;

/** A real tree: a copy of the project's node_modules (made once per run), local -> new local. */
async function treeCase({ base, out, cliEnv }) {
  const src = path.join(base, 'tree-src');
  const from = realpathSync(TREE_SRC);
  progress(`copying ${from} (cp -a)`);
  const copied = spawnSync('cp', ['-a', from, src], { encoding: 'utf8' });
  if (copied.status !== 0) throw new Error(`cp -a ${from} failed: ${copied.stderr}`);
  const expected = snapshot(src);
  const { files, links, dirs, other } = census(expected);
  const totalBytes = [...expected.values()]
    .filter((w) => w.startsWith('file '))
    .reduce((sum, w) => sum + Number(w.slice(5)), 0);
  let compared = 0;
  const check = (dst) => {
    compared = checkTree(src, expected, dst);
  };
  await measure(
    2,
    `real tree (node_modules: ${thousands(files)} files, ${thousands(links)} symlinks, ` +
      `${thousands(dirs)} folders, ${(totalBytes / 2 ** 20).toFixed(0)} MiB) local -> new local folder`,
    'rsync -a',
    `each new folder holds exactly the source's ${thousands(files)} files (same sizes), ` +
      `${thousands(links)} symlinks (same targets), ${thousands(dirs)} folders` +
      `${other ? ` and ${other} other entries` : ''}, nothing else; ~50 files spread over the ` +
      'tree have the SHA-256 of the source; DataFerry ended SUCCESS',
    {
      dataferry: async (n) => {
        const dst = path.join(out, `df-tree-${n}`);
        const r = await dataferry(['--from', src, '--to', dst], cliEnv);
        check(dst);
        return r;
      },
      peer: async (n) => {
        const dst = path.join(out, `rsync-tree-${n}`);
        const r = await peer('rsync', ['-a', `${src}/`, `${dst}/`]);
        check(dst);
        return r;
      },
    },
  );
  progress(`tree checked, ${compared} files by SHA-256 per run`);
  rmSync(src, { recursive: true, force: true });
  for (let n = 1; n <= 2 * RUNS; n++)
    for (const tool of ['df', 'rsync'])
      rmSync(path.join(out, `${tool}-tree-${n}`), { recursive: true, force: true });
}

/** S3 on fauxqs: 5,000 up and down, the no-change re-run, 1 GiB down, a 20,000-object listing. */
async function s3Cases({ base, out, api, bigFile, bigBytes, stops }) {
  const server = await startFauxqs(path.join(base, 'fauxqs'));
  stops.unshift(() => server.stop());
  const { endpoint, client } = server;
  const { env, rcloneEnv } = s3ToolEnvs(base, endpoint, path.join(base, 's3-cli-data'));
  const dfUrl = (prefix) => dataferryS3Url(endpoint, BUCKET, prefix);
  const rcloneUrl = (prefix) => `fauxqs:${BUCKET}/${prefix}`;
  const rclone = (from, to) =>
    peer('rclone', ['copy', from, to, ...RCLONE_FLAGS], { env: rcloneEnv });
  const getS3 = async (key) => {
    const r = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await r.Body.transformToByteArray());
  };
  const spotFiles = [0, Math.floor(S3_FILES / 2), S3_FILES - 1];
  const verify = dataSetChecks(bigFile, bigBytes, S3_FILES);
  const expectedSmall = new Map(
    Array.from({ length: S3_FILES }, (_, i) => [smallPath(i), FILE_SIZE]),
  );
  const verifyPrefix = async (prefix) => {
    compareListing(await listS3(client, BUCKET, prefix), expectedSmall, `s3://${BUCKET}/${prefix}`);
    for (const i of spotFiles)
      if (!(await getS3(`${prefix}/${smallPath(i)}`)).equals(smallContent(i)))
        throw new Error(`wrong content in ${prefix}/${smallPath(i)}`);
  };
  const src = path.join(base, 's3-small-src');
  writeSmallSet(src, S3_FILES);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  progress('seeding the S3 download sources and the listing folder');
  await seedMultipart(client, BUCKET, 'seed-big/big.bin', bigFile);
  await seedObjects(client, BUCKET, S3_FILES, (i) => `seed-small/${smallPath(i)}`, smallContent);
  const listName = (i) => `f${String(i).padStart(6, '0')}.dat`;
  const listSize = (i) => 1 + (i % 100);
  await seedObjects(
    client,
    BUCKET,
    LIST_OBJECTS,
    (i) => `list/${listName(i)}`,
    (i) => Buffer.alloc(listSize(i), 'x'),
  );
  await verifyPrefix('seed-small');

  const n5 = thousands(S3_FILES);
  const s3Check =
    `the prefix holds exactly ${n5} objects of ${FILE_SIZE} bytes under the source's paths ` +
    `(ListObjectsV2; empty folder markers aside), objects ${spotFiles.join(', ')} equal the ` +
    'source byte for byte (GET)';
  const synced = {};
  await measure(
    5,
    `${n5} x 4 KiB local -> S3 (fauxqs)`,
    'rclone copy',
    `${s3Check}; DataFerry ended SUCCESS`,
    {
      dataferry: async (n) => {
        const prefix = `up/df-${n}`;
        const r = await dataferry(['--from', src, '--to', dfUrl(prefix)], env);
        expectTransferred(r.execution, S3_FILES);
        await verifyPrefix(prefix);
        synced.dataferry ??= prefix;
        return r;
      },
      peer: async (n) => {
        const prefix = `up/rclone-${n}`;
        const r = await rclone(src, rcloneUrl(prefix));
        await verifyPrefix(prefix);
        synced.peer ??= prefix;
        return r;
      },
    },
  );
  const localSmallCheck =
    `each new folder holds exactly ${n5} files of ${FILE_SIZE} bytes (nothing extra, no ` +
    `temporaries), files ${spotFiles.join(', ')} equal the source byte for byte`;
  await measure(
    6,
    `${n5} x 4 KiB S3 -> new local, fauxqs`,
    'rclone copy',
    `${localSmallCheck}; DataFerry ended SUCCESS`,
    {
      dataferry: async (n) => {
        const dst = path.join(out, `s3-df-small-${n}`);
        const r = await dataferry(['--from', dfUrl('seed-small'), '--to', dst], env);
        verify('small', dst);
        return r;
      },
      peer: async (n) => {
        const dst = path.join(out, `s3-rclone-small-${n}`);
        const r = await rclone(rcloneUrl('seed-small'), dst);
        verify('small', dst);
        return r;
      },
    },
  );
  await measure(
    7,
    `no-change re-run of the ${n5} on S3 (local -> S3 again)`,
    'rclone copy',
    `onto the first upload of each tool; DataFerry ended SUCCESS with 0 files transferred; ${s3Check} after every re-run`,
    {
      dataferry: async () => {
        if (!synced.dataferry) throw new Error('no successful upload to re-run onto');
        const r = await dataferry(['--from', src, '--to', dfUrl(synced.dataferry)], env);
        expectTransferred(r.execution, 0);
        await verifyPrefix(synced.dataferry);
        return r;
      },
      peer: async () => {
        if (!synced.peer) throw new Error('no successful upload to re-run onto');
        const r = await rclone(src, rcloneUrl(synced.peer));
        await verifyPrefix(synced.peer);
        return r;
      },
    },
  );
  const bigCheck =
    `the new folder holds exactly big.bin of ${bigBytes} bytes, 64 KiB at its start, middle ` +
    'and end equal the source';
  await measure(
    8,
    `1 file of ${BIG_MIB} MiB S3 -> new local, fauxqs`,
    'rclone copy',
    `${bigCheck}; DataFerry ended SUCCESS`,
    {
      dataferry: async (n) => {
        const dst = path.join(out, `s3-df-big-${n}`);
        try {
          const r = await dataferry(['--from', dfUrl('seed-big'), '--to', dst], env);
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
      peer: async (n) => {
        const dst = path.join(out, `s3-rclone-big-${n}`);
        try {
          const r = await rclone(rcloneUrl('seed-big'), dst);
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
    },
  );

  // Listing: locations:browse of the folder through the web host against `aws s3 ls`.
  const paging = browsePaging();
  const target = {
    config: {
      kind: 's3',
      bucket: BUCKET,
      prefix: '',
      region: 'us-east-1',
      credentials: 'keys',
      accessKeyId: 'bench',
      endpoint,
      pathStyle: true,
    },
    secrets: { secretAccessKey: 'bench' },
  };
  const checkNames = (found, where) => {
    if (found.size !== LIST_OBJECTS)
      throw new Error(`${where} listed ${found.size} of ${LIST_OBJECTS} objects`);
    for (let i = 0; i < LIST_OBJECTS; i++)
      if (found.get(listName(i)) !== listSize(i))
        throw new Error(`${where}: ${listName(i)} missing or of the wrong size`);
  };
  const n20 = thousands(LIST_OBJECTS);
  const firstNote = paging
    ? `first rows = the first page (${paging.request} / ${paging.answer} in the contract)`
    : 'first rows = all rows for DataFerry: locations:browse has no continuation field in the contract of this build, it answers one request';
  await measure(
    14,
    `listing an S3 folder of ${n20} objects`,
    'aws s3 ls',
    `DataFerry's locations:browse (web host API, unsaved S3 config) and aws s3 ls list exactly the ${n20} ` +
      `objects with their names and sizes (1-100 bytes); ${firstNote}; aws first rows = its first output`,
    {
      dataferry: async () => {
        spawnSync('sync');
        const sampler = sampleTree(hostPid);
        const start = process.hrtime.bigint();
        const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
        const found = new Map();
        let first;
        let cursor;
        try {
          do {
            const answer = await api.call('locations:browse', {
              target,
              path: 'list',
              ...(paging && cursor ? { [paging.request]: cursor } : {}),
            });
            for (const e of answer.entries) if (e.kind === 'file') found.set(e.name, e.size);
            first ??= { ms: elapsed(), peakMiB: sampler.peak() };
            cursor = paging ? answer[paging.answer] : null;
          } while (cursor);
        } catch (err) {
          throw new Error(`${err.message} (after ${fmtS(elapsed())} s)`, { cause: err });
        } finally {
          sampler.stop(); // a running sampler keeps the process alive
        }
        const all = { ms: elapsed(), peakMiB: sampler.stop() };
        checkNames(found, 'locations:browse');
        return { ...all, first };
      },
      peer: async () => {
        const r = await peer(
          AWS,
          ['s3', 'ls', `s3://${BUCKET}/list/`, '--endpoint-url', endpoint],
          {
            env,
          },
        );
        const found = new Map();
        for (const line of r.stdout.split('\n')) {
          const m = /^\S+ \S+\s+(\d+) (.+)$/.exec(line);
          if (m) found.set(m[2], Number(m[1]));
        }
        checkNames(found, 'aws s3 ls');
        return { ...r, first: { ms: r.firstOutputMs, peakMiB: r.firstPeakMiB } };
      },
    },
    [
      [`listing an S3 folder of ${n20} objects: first rows`, (s) => s.first],
      [`listing an S3 folder of ${n20} objects: all rows`, (s) => s],
    ],
  );
  await server.stop();
  rmSync(path.join(base, 'fauxqs'), { recursive: true, force: true });
  rmSync(src, { recursive: true, force: true });
}

/**
 * Whether `locations:browse` of this build pages (a request/answer field named like a cursor or
 * continuation in src-shared/ipc/contract.ts or its answer type): { request, answer } or null.
 */
function browsePaging() {
  const contract = readFileSync(path.join(repo, 'src-shared/ipc/contract.ts'), 'utf8');
  const block = /'locations:browse':\s*\{[\s\S]*?response:[^\n]*/.exec(contract)?.[0] ?? '';
  const entry = readFileSync(path.join(repo, 'src-shared/model/entry.ts'), 'utf8');
  const listing = /interface LocationListing \{[\s\S]*?\n\}/.exec(entry)?.[0] ?? '';
  const field = /(\w*(?:cursor|continuation)\w*)\??\s*:/i;
  // The answer names the next part `next` (src-shared/model/entry.ts) or a cursor-like field.
  const answerField = /\b(next\w*|\w*(?:cursor|continuation)\w*)\??\s*:/i;
  const request = field.exec(block)?.[1];
  const answer =
    answerField.exec(listing)?.[1] ?? field.exec(block.split('response:')[1] ?? '')?.[1];
  return request && answer ? { request, answer } : null;
}

/** SMB (private smbd, signed): 5,000 up and down; 1 GiB up and down without verification. */
async function smbCases({ base, out, bigFile, bigBytes, stops }) {
  const { startSmbServer } = await import('../test/support/smb-server.ts');
  const server = await startSmbServer({});
  stops.unshift(() => server.stop());
  const env = {
    ...process.env,
    DATAFERRY_DATA_DIR: path.join(base, 'smb-cli-data'),
    DATAFERRY_SMB_PASSWORD: server.password,
  };
  const dfUrl = (rel) =>
    `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${rel}?domain=${SMB_DOMAIN}`;
  // smbclient can exit 0 although a command of the line failed: any NT_STATUS fails the run.
  const smbclient = async (commands, cwd) => {
    const args = [`//127.0.0.1/${server.share}`, '-p', String(server.port), '-W', SMB_DOMAIN];
    args.push('-U', `${server.user}%${server.password}`, '--client-protection=sign');
    const r = await peer('/usr/bin/smbclient', [...args, '-c', commands], { cwd });
    const trouble = `${r.stderr}\n${r.stdout}`
      .split('\n')
      .find((l) => /NT_STATUS_|error|fail/i.test(l));
    if (trouble) throw new Error(`smbclient: ${trouble}`);
    return r;
  };
  const shareFolder = (rel) => {
    mkdirSync(path.join(server.root, rel));
    server.giveToUser(path.join(server.root, rel));
  };
  const src = path.join(base, 'smb-small-src');
  writeSmallSet(src, SMB_FILES);
  const verify = dataSetChecks(bigFile, bigBytes, SMB_FILES);
  mkdirSync(path.join(server.root, 'seed-big'));
  copyFileSync(bigFile, path.join(server.root, 'seed-big', 'big.bin'));
  cpSync(src, path.join(server.root, 'seed-small'), { recursive: true });
  for (const rel of ['seed-big', 'seed-small']) server.giveToUser(path.join(server.root, rel));
  shareFolder('up');
  const spot = `files ${[0, Math.floor(SMB_FILES / 2), SMB_FILES - 1].join(', ')}`;
  const smallCheck = (where) =>
    `${where} holds exactly ${thousands(SMB_FILES)} files of ${FILE_SIZE} bytes (nothing ` +
    `extra, no temporaries), ${spot} equal the source byte for byte; DataFerry ended SUCCESS; ` +
    'smbclient printed no NT_STATUS error';
  const bigCheck = (where) =>
    `${where} holds exactly big.bin of ${bigBytes} bytes, 64 KiB at its start, middle and end ` +
    'equal the source; DataFerry ended SUCCESS; smbclient printed no NT_STATUS error';
  const n5 = thousands(SMB_FILES);

  await measure(
    9,
    `${n5} x 4 KiB local -> SMB (Samba, signed)`,
    'smbclient mput (recurse, prompt off)',
    smallCheck('the new share folder (read on disk)'),
    {
      dataferry: async (n) => {
        const rel = `up/df-small-${n}`;
        shareFolder(rel);
        const r = await dataferry(['--from', src, '--to', dfUrl(rel)], env);
        verify('small', path.join(server.root, rel));
        return r;
      },
      peer: async (n) => {
        const rel = `up/smbclient-small-${n}`;
        shareFolder(rel);
        const r = await smbclient(`prompt OFF; recurse ON; cd ${rel}; mput *`, src);
        verify('small', path.join(server.root, rel));
        return r;
      },
    },
  );
  await measure(
    10,
    `${n5} x 4 KiB SMB -> local (Samba, signed)`,
    'smbclient mget (recurse, prompt off)',
    smallCheck('the new local folder'),
    {
      dataferry: async (n) => {
        const dst = path.join(out, `smb-df-small-${n}`);
        mkdirSync(dst);
        const r = await dataferry(['--from', dfUrl('seed-small'), '--to', dst], env);
        verify('small', dst);
        return r;
      },
      peer: async (n) => {
        const dst = path.join(out, `smb-smbclient-small-${n}`);
        mkdirSync(dst);
        const r = await smbclient('prompt OFF; recurse ON; cd seed-small; mget *', dst);
        verify('small', dst);
        return r;
      },
    },
  );
  await measure(
    11,
    `1 file of ${BIG_MIB} MiB local -> SMB (signed), --verify none`,
    'smbclient put',
    bigCheck('the new share folder (read on disk)'),
    {
      dataferry: async (n) => {
        const rel = `up/df-big-${n}`;
        shareFolder(rel);
        try {
          const r = await dataferry(
            ['--from', path.dirname(bigFile), '--to', dfUrl(rel), '--verify', 'none'],
            env,
          );
          verify('big', path.join(server.root, rel));
          return r;
        } finally {
          rmSync(path.join(server.root, rel), { recursive: true, force: true });
        }
      },
      peer: async (n) => {
        const rel = `up/smbclient-big-${n}`;
        shareFolder(rel);
        try {
          const r = await smbclient(`put big.bin ${rel}/big.bin`, path.dirname(bigFile));
          verify('big', path.join(server.root, rel));
          return r;
        } finally {
          rmSync(path.join(server.root, rel), { recursive: true, force: true });
        }
      },
    },
  );
  await measure(
    12,
    `1 file of ${BIG_MIB} MiB SMB -> local (signed), --verify none`,
    'smbclient get',
    bigCheck('the new local folder'),
    {
      dataferry: async (n) => {
        const dst = path.join(out, `smb-df-big-${n}`);
        mkdirSync(dst);
        try {
          const r = await dataferry(
            ['--from', dfUrl('seed-big'), '--to', dst, '--verify', 'none'],
            env,
          );
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
      peer: async (n) => {
        const dst = path.join(out, `smb-smbclient-big-${n}`);
        mkdirSync(dst);
        try {
          const r = await smbclient('get seed-big/big.bin big.bin', dst);
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
    },
  );
  await server.stop();
  rmSync(src, { recursive: true, force: true });
}

/** NFSv3 (nfs-ganesha): 1 GiB down without verification against nfs-cp. */
async function nfsCases({ base, out, bigFile, bigBytes, stops }) {
  const { startNfsServer } = await import('../test/support/nfs-server.ts');
  const server = await startNfsServer();
  stops.unshift(() => server.stop());
  const { nfsPort, mountPort, root, exportPath } = server;
  const env = { ...process.env, DATAFERRY_DATA_DIR: path.join(base, 'nfs-cli-data') };
  mkdirSync(path.join(root, 'seed-big'));
  copyFileSync(bigFile, path.join(root, 'seed-big', 'big.bin'));
  const verify = dataSetChecks(bigFile, bigBytes, 1);
  const dfUrl = `nfs://127.0.0.1:${nfsPort}${exportPath}/seed-big?mountPort=${mountPort}`;
  const cpUrl = `nfs://127.0.0.1${exportPath}/seed-big/big.bin?nfsport=${nfsPort}&mountport=${mountPort}&version=3`;
  await measure(
    13,
    `1 file of ${BIG_MIB} MiB NFS (nfs-ganesha) -> local, --verify none`,
    'nfs-cp',
    `the new local folder holds exactly big.bin of ${bigBytes} bytes, 64 KiB at its start, ` +
      'middle and end equal the source; DataFerry ended SUCCESS',
    {
      dataferry: async (n) => {
        const dst = path.join(out, `nfs-df-big-${n}`);
        mkdirSync(dst);
        try {
          const r = await dataferry(['--from', dfUrl, '--to', dst, '--verify', 'none'], env);
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
      peer: async (n) => {
        const dst = path.join(out, `nfs-cp-big-${n}`);
        mkdirSync(dst);
        try {
          const r = await peer('/usr/bin/nfs-cp', [cpUrl, 'big.bin'], { cwd: dst });
          verify('big', dst);
          return r;
        } finally {
          rmSync(dst, { recursive: true, force: true });
        }
      },
    },
  );
  await server.stop();
}
