// A/B of two builds of the CLI on one case, in turns (not a benchmark of the table: run.mjs runs
// only *.bench.mjs): CPU (user+sys), wall and peak RSS of the whole process tree of each run.
//
//   node bench/ab-builds.mjs CASE [TURNS] [OLD_CHECKOUT]
//
// CASE: s3up | s3down (BENCH_S3_FILES x 4 KiB, fauxqs), s3big (BENCH_BIG_MIB MiB S3 -> local),
// nfsbig (BENCH_BIG_MIB MiB NFS -> local, --verify none; root), smbup | smbdown
// (BENCH_SMB_FILES x 4 KiB, private smbd, signed). OLD_CHECKOUT: a folder with bin/ and out/
// of the other build (default /tmp/ab-old); this checkout's bin/ and out/ are the new one.
// Extra CLI arguments for both builds: BENCH_ARGS="--parallelism 4".
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { BIN, median, smallContent, smallPath, writeSmallSet } from './bench-data.mjs';
import { sampleTree } from './process-tree.mjs';
import {
  dataferryS3Url,
  s3ToolEnvs,
  seedMultipart,
  seedObjects,
  startFauxqs,
} from './s3-setup.mjs';

const [name, turnsArg, oldArg] = process.argv.slice(2);
const TURNS = Number(turnsArg ?? 3);
const OLD = path.join(oldArg ?? '/tmp/ab-old', 'bin', 'dataferry.js');
const S3_FILES = Number(process.env.BENCH_S3_FILES ?? 5000);
const SMB_FILES = Number(process.env.BENCH_SMB_FILES ?? 5000);
const BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 1024);
const EXTRA = (process.env.BENCH_ARGS ?? '').split(' ').filter(Boolean);

/** One CLI run under GNU time: { wall, cpu, user, sys, peakMiB, execution }. */
async function run(bin, args, env) {
  spawnSync('sync');
  const tf = path.join(os.tmpdir(), `ab-time-${process.pid}`);
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%e %U %S %M', '-o', tf, process.execPath, bin, 'run', ...args, ...EXTRA, '--json'],
    { env },
  );
  const sampler = sampleTree(child.pid, true);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise((resolve) => child.once('close', resolve));
  const peak = sampler.stop();
  const [wall, user, sys, maxKb] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ');
  let execution;
  try {
    execution = JSON.parse(stdout);
  } catch {
    throw new Error(`exit ${code}: ${stderr.slice(0, 500)}`);
  }
  if (execution.status !== 'SUCCESS')
    throw new Error(`${execution.status}: ${execution.error?.message} ${stderr.slice(0, 300)}`);
  return {
    wall: Number(wall),
    user: Number(user),
    sys: Number(sys),
    cpu: Number(user) + Number(sys),
    peakMiB: Math.max(peak, Number(maxKb) / 1024),
    files: execution.counters.FilesTransferred,
  };
}

const base = mkdtempSync(path.join(os.tmpdir(), `ab-${name}-`));
const stops = [];
const results = { old: [], new: [] };

async function setup() {
  const bigFile = path.join(base, 'big', 'big.bin');
  const makeBig = () => {
    mkdirSync(path.dirname(bigFile), { recursive: true });
    spawnSync('sh', ['-c', `head -c ${BIG_MIB * 2 ** 20} /dev/urandom > ${bigFile}`]);
  };
  if (name.startsWith('s3')) {
    const server = await startFauxqs(path.join(base, 'fauxqs'));
    stops.push(() => server.stop());
    const { env } = s3ToolEnvs(base, server.endpoint, path.join(base, 'data'));
    await server.client.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const url = (prefix) => dataferryS3Url(server.endpoint, 'bench', prefix);
    if (name === 's3up') {
      const src = path.join(base, 'src');
      writeSmallSet(src, S3_FILES);
      return (n) => ({ args: ['--from', src, '--to', url(`up/${n}`)], env, files: S3_FILES });
    }
    if (name === 's3down') {
      await seedObjects(
        server.client,
        'bench',
        S3_FILES,
        (i) => `seed/${smallPath(i)}`,
        smallContent,
      );
      return (n) => ({
        args: ['--from', url('seed'), '--to', path.join(base, `down-${n}`)],
        env,
        files: S3_FILES,
      });
    }
    makeBig();
    await seedMultipart(server.client, 'bench', 'big/big.bin', bigFile);
    return (n) => ({
      args: ['--from', url('big'), '--to', path.join(base, `down-${n}`)],
      env,
      files: 1,
      clean: path.join(base, `down-${n}`),
    });
  }
  if (name === 'nfsbig') {
    const { startNfsServer } = await import('../test/support/nfs-server.ts');
    const server = await startNfsServer();
    stops.push(() => server.stop());
    makeBig();
    mkdirSync(path.join(server.root, 'seed-big'));
    copyFileSync(bigFile, path.join(server.root, 'seed-big', 'big.bin'));
    const env = { ...process.env, DATAFERRY_DATA_DIR: path.join(base, 'data') };
    const url = `nfs://127.0.0.1:${server.nfsPort}${server.exportPath}/seed-big?mountPort=${server.mountPort}`;
    return (n) => ({
      args: ['--from', url, '--to', path.join(base, `down-${n}`), '--verify', 'none'],
      env,
      files: 1,
      clean: path.join(base, `down-${n}`),
    });
  }
  if (name.startsWith('smb')) {
    const { startSmbServer } = await import('../test/support/smb-server.ts');
    const server = await startSmbServer({});
    stops.push(() => server.stop());
    const env = {
      ...process.env,
      DATAFERRY_DATA_DIR: path.join(base, 'data'),
      DATAFERRY_SMB_PASSWORD: server.password,
    };
    const url = (rel) =>
      `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${rel}?domain=TESTGROUP`;
    const src = path.join(base, 'src');
    writeSmallSet(src, SMB_FILES);
    if (name === 'smbup') {
      mkdirSync(path.join(server.root, 'up'));
      server.giveToUser(path.join(server.root, 'up'));
      return (n) => {
        mkdirSync(path.join(server.root, 'up', `${n}`));
        server.giveToUser(path.join(server.root, 'up', `${n}`));
        return {
          args: ['--from', src, '--to', url(`up/${n}`)],
          env,
          files: SMB_FILES,
          clean: path.join(server.root, 'up', `${n}`),
        };
      };
    }
    spawnSync('cp', ['-a', src, path.join(server.root, 'seed')]);
    server.giveToUser(path.join(server.root, 'seed'));
    return (n) => ({
      args: ['--from', url('seed'), '--to', path.join(base, `down-${n}`)],
      env,
      files: SMB_FILES,
      clean: path.join(base, `down-${n}`),
    });
  }
  throw new Error(`unknown case ${name}`);
}

const fmt = (r) =>
  `wall ${r.wall.toFixed(2)} s  cpu ${r.cpu.toFixed(2)} s (u ${r.user.toFixed(2)} s ${r.sys.toFixed(2)})  peak ${r.peakMiB.toFixed(0)} MiB`;

try {
  const caseOf = await setup();
  let n = 0;
  for (let t = 0; t < TURNS; t++) {
    // Alternate which build goes first, so neither always runs after the other.
    const order = t % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
    for (const which of order) {
      const c = caseOf(++n);
      const r = await run(which === 'old' ? OLD : BIN, c.args, c.env);
      if (r.files !== c.files) throw new Error(`${which}: ${r.files} files, expected ${c.files}`);
      results[which].push(r);
      process.stdout.write(`${name} ${which} #${t + 1}: ${fmt(r)}\n`);
      if (c.clean) rmSync(c.clean, { recursive: true, force: true });
    }
  }
  for (const which of ['old', 'new']) {
    const rs = results[which];
    const m = (k) => median(rs.map((r) => r[k]));
    process.stdout.write(
      `${name} ${which} median: wall ${m('wall').toFixed(2)} s  cpu ${m('cpu').toFixed(2)} s  peak ${m('peakMiB').toFixed(0)} MiB (max ${Math.max(...rs.map((r) => r.peakMiB)).toFixed(0)})\n`,
    );
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
}
