// Transfers between the local disk and SMB 3.1.1, DataFerry's `dataferry run` (the real CLI)
// against Samba's own `smbclient` (Debian smbclient) and rclone's smb backend (Debian rclone),
// on the same data against the same server in
// the same run. The server is a private Samba smbd with its defaults on a temporary folder of
// this disk (test/support/smb-server.ts), on 127.0.0.1: server, both clients and the disk share
// the same cores, so only the ratios mean something. Each case is the median of RUNS runs, every
// run into a fresh destination; the ratios are DataFerry's time over each other tool's (lower is faster).
// With BENCH_SMB_HARDENED=1 (the default) the large file runs again against the hardened server
// (SMB 3 only, signing mandatory, encryption required).
//
// What each tool does, which is not the same work:
// - DataFerry runs with its defaults: it lists both sides (PREPARING), writes each file to a
//   temporary name (4 WRITEs of up to 1 MiB in flight), sets its times, renames it into place on
//   the same handle, then reads what it wrote back and compares checksums (VERIFYING, whose time
//   the notes show), 8 files at a time over a few connections, every message signed
//   (AES-128-GMAC, offered first) or, when the share requires it, encrypted.
//   It creates the folders it needs.
// - smbclient runs one command line: `put`/`get` for the large file, `prompt OFF; recurse ON;
//   mput *`/`mget *` for the trees, one file after another on one connection (a large file goes
//   in WRITEs of 8 MiB, the server's maximum), keeps no times and checks nothing. It runs with
//   `--client-protection=sign`: by default it signs only the session setup against a server that
//   does not require signing, and DataFerry signs everything (smbclient gets AES-128-GMAC);
//   `--client-protection=encrypt` against the hardened server. It starts in the source (upload)
//   or destination (download) folder rather than `lcd` there: a failed `lcd` leaves it where it
//   was and `mput *` uploads that folder instead, with exit status 0.
// - rclone runs `rclone copy SRC DST` with its defaults (4 transfers at once, sizes and times
//   compared, times set), the server given in a connection string. Its SMB client (go-smb2)
//   signs every message after the logon, as DataFerry does (counted through a proxy: 51 of
//   the 57 messages of an 8 MiB upload carried a signature), and encrypts against the
//   hardened server.
// Every destination folder exists before its run (smbclient's `cd` needs it); the subfolders of
// a tree are made by each tool, timed. Neither tool fsyncs a local destination.
//
// Every run is checked afterwards (not timed): the destination must hold exactly the expected
// files with the expected sizes (so a leftover temporary counts as wrong), and a few are
// compared byte for byte with the source; SMB destinations are read in the shared folder on
// disk. A tool that fails prints its error in its row; the other tool still runs.
//   BENCH_RUNS=3  BENCH_BIG_MIB=1024  BENCH_SMB_FILES=5000  BENCH_SMB_HARDENED=1
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIG_MIB,
  BIN,
  FILE_SIZE,
  RUNS,
  progress,
  repo,
  dataSetChecks,
  medianRunner,
  writeSmallSet,
  reason,
} from './bench-data.mjs';

const SMBCLIENT = '/usr/bin/smbclient';
const RCLONE = '/usr/bin/rclone';
const FILES = Number(process.env.BENCH_SMB_FILES ?? 5000);
const HARDENED = process.env.BENCH_SMB_HARDENED !== '0';
const DOMAIN = 'TESTGROUP'; // the workgroup of test/support/smb-server.ts

/** Runs a command after `sync`, returns its wall time in ms and its output. */
function timed(command, args, options = {}) {
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { maxBuffer: 1 << 26, encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  return { ms, result };
}

export async function run() {
  if (!existsSync(SMBCLIENT))
    throw new Error(`${SMBCLIENT} is needed for this benchmark (apt-get install smbclient)`);
  if (!existsSync(RCLONE))
    throw new Error(`${RCLONE} is needed for this benchmark (apt-get install rclone)`);
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  // Node 24 strips the types of a .ts file it imports: the tests' own server recipe, not a copy.
  const { startSmbServer } = await import('../test/support/smb-server.ts');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-smb-'));
  const dataDir = path.join(base, 'data');
  let server; // the server of the cases being measured
  let protection; // smbclient's --client-protection against it

  function dataferry(from, to, extra = []) {
    const args = [BIN, 'run', '--from', from, '--to', to, '--json', ...extra];
    const env = {
      ...process.env,
      DATAFERRY_DATA_DIR: dataDir,
      DATAFERRY_SMB_PASSWORD: server.password,
    };
    const { ms, result } = timed(process.execPath, args, { env });
    let execution;
    try {
      execution = JSON.parse(result.stdout);
    } catch {
      throw new Error(`exit ${result.status ?? result.signal}: ${reason(result)}`);
    }
    if (result.status !== 0 || execution.status !== 'SUCCESS') {
      const c = execution.counters ?? {};
      throw new Error(
        `${execution.status} (exit ${result.status}): ${execution.error?.message ?? reason(result)}` +
          ` [${c.FilesTransferred ?? '?'} transferred, ${c.FilesFailed ?? '?'} failed]`,
      );
    }
    return { ms, verifyMs: execution.phases?.VERIFYING?.durationMs ?? 0 };
  }
  // smbclient as a user types it. It can exit 0 although a command of the line failed (a file of
  // an mput, say): any NT_STATUS or error it prints fails the run too.
  function smbclient(commands, cwd) {
    const args = [`//127.0.0.1/${server.share}`, '-p', String(server.port), '-W', DOMAIN];
    args.push('-U', `${server.user}%${server.password}`, `--client-protection=${protection}`);
    const { ms, result } = timed(SMBCLIENT, [...args, '-c', commands], { cwd });
    const said = `${result.stderr}\n${result.stdout}`.split('\n');
    const trouble = said.find((l) => /NT_STATUS_|error|fail/i.test(l));
    if (result.status !== 0 || trouble)
      throw new Error(`exit ${result.status ?? result.signal}: ${trouble ?? reason(result)}`);
    return { ms };
  }

  // rclone as a user runs it: `rclone copy` with its defaults, the server in a connection
  // string (its password obscured, as rclone wants it), no config file.
  const rcloneConf = path.join(base, 'rclone.conf');
  writeFileSync(rcloneConf, '');
  const rcloneRemote = (rel) => {
    const pass = spawnSync(RCLONE, ['obscure', server.password], { encoding: 'utf8' }).stdout;
    const params = `host=127.0.0.1,port=${server.port},user=${server.user},domain=${DOMAIN}`;
    return `:smb,${params},pass=${pass.trim()}:${server.share}/${rel}`;
  };
  function rclone(from, to) {
    const { ms, result } = timed(RCLONE, ['copy', from, to, '--config', rcloneConf]);
    if (result.status !== 0)
      throw new Error(`exit ${result.status ?? result.signal}: ${reason(result)}`);
    return { ms };
  }

  // Each tool: the large file up and down, a tree up and down. SMB-side paths are relative to
  // the share; the destination folder exists before every run.
  const dfUrl = (rel) =>
    `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${rel}?domain=${DOMAIN}`;
  const dfUp = (srcDir, rel, extra) => dataferry(srcDir, dfUrl(rel), extra);
  const dfDown = (rel, dstDir, extra) => dataferry(dfUrl(rel), dstDir, extra);
  const tools = {
    dataferry: { bigUp: dfUp, bigDown: dfDown, treeUp: dfUp, treeDown: dfDown },
    smbclient: {
      bigUp: (srcDir, rel) => smbclient(`put big.bin ${rel}/big.bin`, srcDir),
      bigDown: (rel, dstDir) => smbclient(`get ${rel}/big.bin big.bin`, dstDir),
      treeUp: (srcDir, rel) => smbclient(`prompt OFF; recurse ON; cd ${rel}; mput *`, srcDir),
      treeDown: (rel, dstDir) => smbclient(`prompt OFF; recurse ON; cd ${rel}; mget *`, dstDir),
    },
    rclone: {
      bigUp: (srcDir, rel) => rclone(srcDir, rcloneRemote(rel)),
      bigDown: (rel, dstDir) => rclone(rcloneRemote(rel), dstDir),
      treeUp: (srcDir, rel) => rclone(srcDir, rcloneRemote(rel)),
      treeDown: (rel, dstDir) => rclone(rcloneRemote(rel), dstDir),
    },
  };

  // The data: one large random file, FILES small files of distinct content.
  const bigDir = path.join(base, 'big-src');
  const bigFile = path.join(bigDir, 'big.bin');
  const bigBytes = BIG_MIB * 1024 * 1024;
  const smallSrc = path.join(base, 'small-src');
  const verify = dataSetChecks(bigFile, bigBytes, FILES);
  const { measure, results } = medianRunner(Object.keys(tools));

  /** A fresh folder under the share, which smbd (as the test user) may write in. */
  const shareFolder = (rel) => {
    mkdirSync(path.join(server.root, rel));
    server.giveToUser(path.join(server.root, rel));
  };

  // The large file up and down, each twice: DataFerry with its defaults (it reads the copy
  // back), and without verification, the same work as smbclient's.
  async function bigCases(label) {
    const suffix = (extra) => (extra.length ? `, ${extra.join(' ')}` : '');
    for (const extra of [[], ['--verify', 'none']]) {
      const caseName = `local -> ${label}, 1 file of ${BIG_MIB} MiB${suffix(extra)}`;
      await measure(caseName, async (tool, n) => {
        const rel = `up/${tool}-big-${n}`;
        shareFolder(rel);
        try {
          const sample = tools[tool].bigUp(bigDir, rel, extra);
          verify('big', path.join(server.root, rel));
          return sample;
        } finally {
          rmSync(path.join(server.root, rel), { recursive: true, force: true }); // 1 GiB each
        }
      });
    }
    for (const extra of [[], ['--verify', 'none']]) {
      const caseName = `${label} -> local, 1 file of ${BIG_MIB} MiB${suffix(extra)}`;
      await measure(caseName, async (tool, n) => {
        const dir = path.join(base, 'down', `${tool}-big-${n}`);
        mkdirSync(dir);
        try {
          const sample = tools[tool].bigDown('seed-big', dir, extra);
          verify('big', dir);
          return sample;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  /** Starts a server, puts the sources of the downloads in its share and runs `cases`. */
  async function against(options, clientProtection, cases) {
    server = await startSmbServer(options);
    protection = clientProtection;
    try {
      progress(
        `smbd on 127.0.0.1:${server.port}, share ${server.root} (${JSON.stringify(options)})`,
      );
      // Written straight into the shared folder (no tool under test involved).
      mkdirSync(path.join(server.root, 'seed-big'));
      copyFileSync(bigFile, path.join(server.root, 'seed-big', 'big.bin'));
      cpSync(smallSrc, path.join(server.root, 'seed-small'), { recursive: true });
      verify('big', path.join(server.root, 'seed-big'));
      verify('small', path.join(server.root, 'seed-small'));
      for (const rel of ['seed-big', 'seed-small']) server.giveToUser(path.join(server.root, rel));
      shareFolder('up');
      await cases();
    } finally {
      await server.stop();
    }
  }

  try {
    mkdirSync(bigDir, { recursive: true });
    spawnSync('dd', [
      'if=/dev/urandom',
      `of=${bigFile}`,
      'bs=1M',
      `count=${BIG_MIB}`,
      'status=none',
    ]);
    writeSmallSet(smallSrc, FILES);
    mkdirSync(path.join(base, 'down'));

    await against({}, 'sign', async () => {
      await bigCases('SMB');
      await measure(`local -> SMB, ${FILES} files of 4 KiB`, async (tool, n) => {
        const rel = `up/${tool}-small-${n}`;
        shareFolder(rel);
        const sample = tools[tool].treeUp(smallSrc, rel);
        verify('small', path.join(server.root, rel));
        return sample;
      });
      await measure(`SMB -> local, ${FILES} files of 4 KiB`, async (tool, n) => {
        const dir = path.join(base, 'down', `${tool}-small-${n}`);
        mkdirSync(dir);
        const sample = tools[tool].treeDown('seed-small', dir);
        verify('small', dir);
        return sample;
      });
    });
    if (HARDENED) await against({ hardened: true }, 'encrypt', () => bigCases('SMB encrypted'));

    // The report, a markdown table.
    const version = spawnSync('smbd', ['--version'], { encoding: 'utf8' }).stdout ?? '';
    const samba = `Samba ${version.replace(/^Version /, '').trim()}`;
    const sizeOf = (caseName) => (caseName.includes(' files of ') ? FILES * FILE_SIZE : bigBytes);
    const secs = (r) => ('ms' in r ? (r.ms / 1000).toFixed(2) : 'failed');
    const mbps = (r, bytes) => ('ms' in r ? (bytes / 1e6 / (r.ms / 1000)).toFixed(1) : '-');
    console.log(
      `${samba} smbd on 127.0.0.1 (SMB 3.1.1; defaults: signed; encrypted: hardened server), ` +
        `median of ${RUNS} runs; ratio = DataFerry time / the other tool's time (lower is ` +
        'faster); MB = 10^6 bytes',
    );
    const others = ['smbclient', 'rclone'];
    const header = [
      'case',
      'DataFerry s',
      ...others.map((t) => `${t} s`),
      ...others.map((t) => `vs ${t}`),
      'DataFerry MB/s',
      'note',
    ];
    const rows = Object.entries(results).map(([caseName, result]) => {
      const ours = result.dataferry;
      const bytes = sizeOf(caseName);
      const notes = [];
      if ('ms' in ours) notes.push(`DataFerry VERIFYING ${(ours.verifyMs / 1000).toFixed(2)} s`);
      const perSec = (r) => ('ms' in r ? (FILES / (r.ms / 1000)).toFixed(0) : '-');
      if (bytes < bigBytes)
        notes.push(`files/s ${['dataferry', ...others].map((t) => perSec(result[t])).join(' / ')}`);
      for (const t of ['dataferry', ...others])
        if ('error' in result[t]) notes.push(`${t}: ${result[t].error}`);
      const ratio = (theirs) =>
        'ms' in ours && 'ms' in theirs ? `${(ours.ms / theirs.ms).toFixed(2)}x` : '-';
      return [
        caseName,
        secs(ours),
        ...others.map((t) => secs(result[t])),
        ...others.map((t) => ratio(result[t])),
        mbps(ours, bytes),
        notes.join('; '),
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const left = (i) => i === 0 || i === header.length - 1; // text columns; the numbers align right
    const line = (cells) =>
      `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
    console.log(line(header));
    console.log(
      `|${widths.map((w, i) => (left(i) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    );
    for (const row of rows) console.log(line(row));
    console.log(
      'DataFerry: run --json, defaults (--parallel 8, verify transferred files); ' +
        'smbclient: put/get, mput/mget with recurse ON, --client-protection=sign (encrypt when ' +
        'hardened); rclone: copy with its defaults (4 transfers); every result checked: files, ' +
        'sizes, spot-checked bytes',
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
