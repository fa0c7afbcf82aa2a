#!/usr/bin/env node
// A/B of two DataFerry builds (and rclone) on one S3 case against one fauxqs, in turns, with the
// CPU of the client (user+sys of the whole process, GNU time), its peak RSS, the wall time, and
// the CPU fauxqs spent serving each run (from /proc/PID/stat), so the client's share is known:
//
//   node bench/s3-ab.mjs --case down-small|down-big|up-small \
//     --build main=/tmp/s3-main --build new=. [--rclone] [--turns 3] [--files 5000] \
//     [--big-mib 1024] [--prof DIR]
//
// A build is a folder holding bin/dataferry.js, out/ and node_modules (a copy of main's build:
// `mkdir /tmp/s3-main && cp -r bin out package.json /tmp/s3-main && ln -s $PWD/node_modules
// /tmp/s3-main/`). --prof runs each build once with --cpu-prof (main thread and workers) into
// DIR/<build> instead of timing turns. Not a *.bench.mjs: `node bench/run.mjs` does not run it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  compareListing,
  dataSetChecks,
  median,
  smallContent,
  smallPath,
  walk,
  writeSmallSet,
  FILE_SIZE,
} from './bench-data.mjs';
import {
  dataferryS3Url,
  listS3,
  RCLONE_FLAGS,
  s3ToolEnvs,
  seedMultipart,
  seedObjects,
  startFauxqs,
} from './s3-setup.mjs';

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'down-small' },
    build: { type: 'string', multiple: true, default: [] },
    rclone: { type: 'boolean', default: false },
    turns: { type: 'string', default: '3' },
    files: { type: 'string', default: '5000' },
    'big-mib': { type: 'string', default: '1024' },
    prof: { type: 'string' },
    base: { type: 'string', default: path.join(os.tmpdir(), 's3-ab') },
  },
});
const CASE = values.case;
const FILES = Number(values.files);
const BIG_BYTES = Number(values['big-mib']) * 1024 * 1024;
const TURNS = Number(values.turns);
const BUCKET = 'abtest';
const TICK = 100; // clock ticks per second in /proc/PID/stat (USER_HZ)

const builds = values.build.map((spec) => {
  const [name, dir] = spec.split('=');
  return { name, bin: path.join(path.resolve(dir), 'bin', 'dataferry.js') };
});
const base = values.base;
rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });

/** user+sys seconds fauxqs has spent so far. */
function serverCpu(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

/** Runs a command under GNU time; { wall, user, sys, rssMiB, stdout, stderr, status }. */
function timed(command, args, env) {
  spawnSync('sync');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = (performance.now() - t0) / 1000;
  const line = r.stderr.split('\n').findLast((l) => l.startsWith('TIME '));
  if (!line) throw new Error(`no timing from ${command}: ${r.stderr.slice(-2000)}`);
  const [, , user, sys, kb] = line.split(' ').map(Number);
  return {
    wall,
    user,
    sys,
    rssMiB: kb / 1024,
    stdout: r.stdout,
    stderr: r.stderr,
    status: r.status,
  };
}

const server = await startFauxqs(path.join(base, 'fauxqs'));
try {
  const { endpoint, client } = server;
  const { env, rcloneEnv } = s3ToolEnvs(base, endpoint, path.join(base, 'data'));
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const bigFile = path.join(base, 'big.bin');
  const verify = dataSetChecks(bigFile, BIG_BYTES, FILES);
  const src = path.join(base, 'src-small');
  let from;
  let check;
  if (CASE === 'down-small') {
    await seedObjects(client, BUCKET, FILES, (i) => `small/${smallPath(i)}`, smallContent);
    from = { df: dataferryS3Url(endpoint, BUCKET, 'small'), rclone: `fauxqs:${BUCKET}/small` };
    check = (dst) => verify('small', dst);
  } else if (CASE === 'down-big') {
    spawnSync('dd', [
      'if=/dev/urandom',
      `of=${bigFile}`,
      'bs=1M',
      `count=${BIG_BYTES / 1048576}`,
      'status=none',
    ]);
    await seedMultipart(client, BUCKET, 'big/big.bin', bigFile);
    from = { df: dataferryS3Url(endpoint, BUCKET, 'big'), rclone: `fauxqs:${BUCKET}/big` };
    check = (dst) => verify('big', dst);
  } else if (CASE === 'up-small') {
    writeSmallSet(src, FILES);
    from = { df: src, rclone: src };
  } else {
    throw new Error(`unknown case ${CASE}`);
  }
  let n = 0;
  const destination = (tool) => {
    n++;
    if (CASE !== 'up-small') return path.join(base, `dst-${tool}-${n}`);
    return tool === 'rclone'
      ? `fauxqs:${BUCKET}/up/${tool}-${n}`
      : dataferryS3Url(endpoint, BUCKET, `up/${tool}-${n}`);
  };
  const checkUp = async (to) => {
    const prefix = to.includes('?')
      ? to.split('?')[0].split(`${BUCKET}/`)[1]
      : to.split(`${BUCKET}/`)[1];
    compareListing(
      await listS3(client, BUCKET, prefix),
      new Map(Array.from({ length: FILES }, (_, i) => [smallPath(i), FILE_SIZE])),
      prefix,
    );
  };

  const runOne = async (tool, extraNode = []) => {
    const to = destination(tool.name);
    const before = serverCpu(server.pid);
    const r =
      tool.name === 'rclone'
        ? timed('rclone', ['copy', from.rclone, to, ...RCLONE_FLAGS], rcloneEnv)
        : timed(
            process.execPath,
            [...extraNode, tool.bin, 'run', '--from', from.df, '--to', to, '--json'],
            env,
          );
    const server_ = serverCpu(server.pid) - before;
    if (r.status !== 0)
      throw new Error(`${tool.name} failed (${r.status}): ${r.stderr.slice(-3000)}`);
    if (tool.name !== 'rclone') {
      const execution = JSON.parse(r.stdout);
      if (execution.status !== 'SUCCESS') throw new Error(`${tool.name}: ${execution.status}`);
    }
    if (CASE === 'up-small') await checkUp(to);
    else {
      check(to);
      // Nothing left behind: no temporaries beside the files.
      const extra = [...walk(to).keys()].filter((p) => p.includes('.dataferry'));
      if (extra.length) throw new Error(`left behind: ${extra[0]}`);
      rmSync(to, { recursive: true, force: true });
    }
    return { ...r, server: server_ };
  };

  if (values.prof) {
    for (const build of builds) {
      const dir = path.join(path.resolve(values.prof), build.name);
      mkdirSync(dir, { recursive: true });
      const r = await runOne(build, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      console.log(
        `${build.name} (profiled): wall ${r.wall.toFixed(2)} s, user ${r.user} s, sys ${r.sys} s, ` +
          `RSS ${r.rssMiB.toFixed(0)} MiB, fauxqs ${r.server.toFixed(2)} s -> ${dir}`,
      );
    }
  } else {
    const tools = [...builds, ...(values.rclone ? [{ name: 'rclone' }] : [])];
    // One untimed run first: fauxqs reads an object from disk on its first GET only.
    await runOne(tools[0]);
    const results = new Map(tools.map((t) => [t.name, []]));
    for (let turn = 0; turn < TURNS; turn++) {
      for (const tool of turn % 2 ? [...tools].reverse() : tools) {
        const r = await runOne(tool);
        results.get(tool.name).push(r);
        console.log(
          `turn ${turn + 1} ${tool.name.padEnd(8)} wall ${r.wall.toFixed(2)} s  cpu ${(r.user + r.sys).toFixed(2)} s ` +
            `(user ${r.user.toFixed(2)} sys ${r.sys.toFixed(2)})  rss ${r.rssMiB.toFixed(0)} MiB  fauxqs ${r.server.toFixed(2)} s`,
        );
      }
    }
    console.log(
      `\n${CASE}, ${CASE === 'down-big' ? `${BIG_BYTES / 1048576} MiB` : `${FILES} files`}, medians of ${TURNS}:`,
    );
    for (const [name, rs] of results) {
      const m = (f) => median(rs.map(f));
      console.log(
        `${name.padEnd(8)} wall ${m((r) => r.wall).toFixed(2)} s  cpu ${m((r) => r.user + r.sys).toFixed(2)} s ` +
          `(user ${m((r) => r.user).toFixed(2)} sys ${m((r) => r.sys).toFixed(2)})  ` +
          `rss ${m((r) => r.rssMiB).toFixed(0)} MiB  fauxqs ${m((r) => r.server).toFixed(2)} s`,
      );
    }
  }
} finally {
  await server.stop();
  writeFileSync(path.join(base, 'done'), '');
}
