// Transfers between the local disk and NFSv3, DataFerry's `dataferry run` (the real CLI) against
// libnfs's `nfs-cp` (Debian libnfs-utils), on the same data against the same server in the same
// run. The server is nfs-ganesha 4.3 with the VFS backend on a temporary folder on this disk
// (test/support/nfs-server.ts), on 127.0.0.1: server, both clients and the disk share the same
// cores, so only the ratios mean something. Each case is the median of RUNS runs, every run
// into a fresh destination; the ratio is DataFerry's time over nfs-cp's (lower is faster).
//
// What each tool does, which is not the same work:
// - DataFerry runs with its defaults: it lists both sides (PREPARING), writes each file to a
//   temporary name (on NFS: UNSTABLE WRITEs, then COMMIT), sets mode, owner and times, renames
//   it into place, then reads what it wrote back and compares checksums (VERIFYING, whose time
//   the notes show), 8 files at a time. It creates the folders it needs.
// - nfs-cp copies one file per process: it mounts the file's folder, creates the file (mode
//   0660, no times or owner kept), copies it 1 MiB at a time with libnfs's synchronous calls,
//   and checks nothing. It cannot create folders (a URL whose folder is missing fails the
//   MOUNT with MNT3ERR_ACCES) and does not walk trees, so the many-file cases drive it the way a
//   user scripting it would: 8 processes at once through `xargs -P 8`, the file list from
//   `find` for uploads and from `nfs-ls -R` for downloads, both inside the timed command.
//   Folders on the NFS side are created beforehand directly in the exported folder on disk
//   (not timed; 5 mkdirs); local folders of a download by `mkdir -p` in the timed command.
// Neither tool fsyncs a local destination, so downloads end in the page cache for both.
//
// Peak memory is GNU time's %M around each command, the largest of a case's runs: for DataFerry
// its one process (worker threads included), for nfs-cp the largest single process.
//
// Every run is checked afterwards (not timed): the destination must hold exactly the expected
// files with the expected sizes (so a leftover temporary counts as wrong), and a few are
// compared byte for byte with the source; NFS destinations are read in the exported folder on
// disk. A tool that fails prints its error in its row; the other tool still runs.
//   BENCH_RUNS=3  BENCH_BIG_MIB=1024  BENCH_NFS_FILES=5000
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
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
  smallPath,
  dataSetChecks,
  medianRunner,
  writeSmallSet,
  reason,
} from './bench-data.mjs';

const NFS_CP = '/usr/bin/nfs-cp';
const NFS_LS = '/usr/bin/nfs-ls';
const FILES = Number(process.env.BENCH_NFS_FILES ?? 5000);
const PARALLEL = 8; // DataFerry's default --parallel, and what xargs -P gets

/**
 * Runs a command after `sync`, returns its wall time in ms, its output, and its peak RSS in KiB
 * (GNU time's %M: the largest resident set of the command or of any process it waited for;
 * DataFerry is one process with worker threads, nfs-cp one process per file).
 */
function timed(command, args, options = {}) {
  spawnSync('sync');
  const rssFile = path.join(os.tmpdir(), `df-bench-nfs-rss-${process.pid}`);
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], {
    maxBuffer: 1 << 26,
    encoding: 'utf8',
    ...options,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  // On failure GNU time writes "Command exited with non-zero status N" first.
  const rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { ms, result, rssKiB };
}

const smallFolders = () => [
  ...new Set(Array.from({ length: FILES }, (_, i) => path.dirname(smallPath(i)))),
];

export async function run() {
  for (const tool of [NFS_CP, NFS_LS, '/usr/bin/xargs'])
    if (!existsSync(tool))
      throw new Error(`${tool} is needed for this benchmark (apt-get install libnfs-utils)`);
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  // Node 24 strips the types of a .ts file it imports: the tests' own server recipe, not a copy.
  const { startNfsServer } = await import('../test/support/nfs-server.ts');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-nfs-'));
  const server = await startNfsServer();
  const { nfsPort, mountPort, root } = server;
  const env = { ...process.env, DATAFERRY_DATA_DIR: path.join(base, 'data') };

  // DataFerry names the ports in the authority and mountPort=; libnfs takes them as arguments.
  const dfUrl = (rel) =>
    `nfs://127.0.0.1:${nfsPort}${server.exportPath}/${rel}?mountPort=${mountPort}`;
  const cpQuery = `?nfsport=${nfsPort}&mountport=${mountPort}&version=3`;
  const cpUrl = (rel) => `nfs://127.0.0.1${server.exportPath}/${rel}${cpQuery}`;

  function dataferry(from, to, extra = []) {
    const args = [BIN, 'run', '--from', from, '--to', to, '--json', ...extra];
    const { ms, result, rssKiB } = timed(process.execPath, args, { env });
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
    return { ms, rssKiB, verifyMs: execution.phases?.VERIFYING?.durationMs ?? 0 };
  }
  // A shell command as the user would type it; pipefail so that a failed nfs-cp fails the run.
  function shell(script, cwd) {
    const { ms, result, rssKiB } = timed('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd,
      env,
    });
    if (result.status !== 0)
      throw new Error(`exit ${result.status ?? result.signal}: ${reason(result)}`);
    return { ms, rssKiB };
  }
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

  // Each tool: the large file up and down, a tree up and down. NFS-side paths are relative to
  // the export; the destination folder exists before every run (nfs-cp needs it).
  const dfUp = (srcDir, rel, extra) => dataferry(srcDir, dfUrl(rel), extra);
  const dfDown = (rel, dstDir, extra) => dataferry(dfUrl(rel), dstDir, extra);
  const tools = {
    dataferry: { bigUp: dfUp, bigDown: dfDown, treeUp: dfUp, treeDown: dfDown },
    'nfs-cp': {
      bigUp: (srcDir, rel) =>
        shell(`${NFS_CP} big.bin ${q(cpUrl(`${rel}/big.bin`))} >/dev/null`, srcDir),
      bigDown: (rel, dstDir) =>
        shell(`${NFS_CP} ${q(cpUrl(`${rel}/big.bin`))} big.bin >/dev/null`, dstDir),
      // xargs -I puts the relative path into the middle of the URL, before its query.
      treeUp: (srcDir, rel) =>
        shell(
          `find . -type f -printf '%P\\n' | xargs -P ${PARALLEL} -I{} ${NFS_CP} {} ` +
            `${q(`nfs://127.0.0.1${server.exportPath}/${rel}/`)}{}${q(cpQuery)} >/dev/null`,
          srcDir,
        ),
      // nfs-ls -R prints `mode links uid gid size path` per entry; all folders made before copying.
      treeDown: (rel, dstDir) =>
        shell(
          `list=$(mktemp); ${NFS_LS} -R ${q(cpUrl(rel))} > "$list"\n` +
            `awk '$1 ~ /^d/ {print $NF}' "$list" | xargs -r mkdir -p\n` +
            `awk '$1 ~ /^-/ {print $NF}' "$list" | xargs -P ${PARALLEL} -I{} ${NFS_CP} ` +
            `${q(`nfs://127.0.0.1${server.exportPath}/${rel}/`)}{}${q(cpQuery)} {} >/dev/null\n` +
            `rm "$list"`,
          dstDir,
        ),
    },
  };
  const slug = (tool) => tool.replace(/\W+/g, '-');

  // The data: one large random file, FILES small files of distinct content.
  const bigDir = path.join(base, 'big-src');
  const bigFile = path.join(bigDir, 'big.bin');
  const bigBytes = BIG_MIB * 1024 * 1024;
  const smallSrc = path.join(base, 'small-src');
  const verify = dataSetChecks(bigFile, bigBytes, FILES);
  const { measure: measureTime, results } = medianRunner(Object.keys(tools));
  // Peak RSS per case and tool, the largest of its runs.
  const peaks = {};
  const measure = (caseName, runOne) =>
    measureTime(caseName, async (tool, n) => {
      const sample = await runOne(tool, n);
      peaks[caseName] ??= {};
      peaks[caseName][tool] = Math.max(peaks[caseName][tool] ?? 0, sample.rssKiB);
      return sample;
    });

  try {
    progress(`nfs-ganesha on 127.0.0.1:${nfsPort} (mount ${mountPort}), export ${root}`);
    mkdirSync(bigDir, { recursive: true });
    spawnSync('dd', [
      'if=/dev/urandom',
      `of=${bigFile}`,
      'bs=1M',
      `count=${BIG_MIB}`,
      'status=none',
    ]);
    writeSmallSet(smallSrc, FILES);
    // The sources of the downloads, written straight into the exported folder (no tool under
    // test involved); ganesha caches no attributes of this export (Attr_Expiration_Time = 0).
    mkdirSync(path.join(root, 'seed-big'));
    copyFileSync(bigFile, path.join(root, 'seed-big', 'big.bin'));
    cpSync(smallSrc, path.join(root, 'seed-small'), { recursive: true });
    verify('big', path.join(root, 'seed-big'));
    verify('small', path.join(root, 'seed-small'));
    mkdirSync(path.join(root, 'up'));
    mkdirSync(path.join(base, 'down'));

    const bigUpCase = `local -> NFS, 1 file of ${BIG_MIB} MiB`;
    const bigDownCase = `NFS -> local, 1 file of ${BIG_MIB} MiB`;
    const smallUpCase = `local -> NFS, ${FILES} files of 4 KiB`;
    const smallDownCase = `NFS -> local, ${FILES} files of 4 KiB`;

    // The large file twice: DataFerry with its defaults (it reads the copy back), and without
    // verification, the same work as nfs-cp's.
    for (const [caseName, extra] of [
      [bigUpCase, []],
      [`${bigUpCase}, --verify none`, ['--verify', 'none']],
    ]) {
      await measure(caseName, async (tool, n) => {
        const rel = `up/${slug(tool)}-big-${n}`;
        mkdirSync(path.join(root, rel));
        try {
          const sample = tools[tool].bigUp(bigDir, rel, extra);
          verify('big', path.join(root, rel));
          return sample;
        } finally {
          rmSync(path.join(root, rel), { recursive: true, force: true }); // 1 GiB each
        }
      });
    }
    for (const [caseName, extra] of [
      [bigDownCase, []],
      [`${bigDownCase}, --verify none`, ['--verify', 'none']],
    ]) {
      await measure(caseName, async (tool, n) => {
        const dir = path.join(base, 'down', `${slug(tool)}-big-${n}`);
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
    await measure(smallUpCase, async (tool, n) => {
      const rel = `up/${slug(tool)}-small-${n}`;
      mkdirSync(path.join(root, rel));
      // nfs-cp cannot create folders over NFS: made for it on the exported disk, not timed.
      // DataFerry creates its own (it would see these as already there and skip the MKDIRs).
      if (tool === 'nfs-cp')
        for (const folder of smallFolders()) mkdirSync(path.join(root, rel, folder));
      const sample = tools[tool].treeUp(smallSrc, rel);
      verify('small', path.join(root, rel));
      return sample;
    });
    await measure(smallDownCase, async (tool, n) => {
      const dir = path.join(base, 'down', `${slug(tool)}-small-${n}`);
      mkdirSync(dir);
      const sample = tools[tool].treeDown('seed-small', dir);
      verify('small', dir);
      return sample;
    });

    // The report, a markdown table.
    const sizeOf = (caseName) => (caseName.includes(' files of ') ? FILES * FILE_SIZE : bigBytes);
    const secs = (r) => ('ms' in r ? (r.ms / 1000).toFixed(2) : 'failed');
    const mbps = (r, bytes) => ('ms' in r ? (bytes / 1e6 / (r.ms / 1000)).toFixed(1) : '-');
    console.log(
      `nfs-ganesha 4.3 (VFS, NFSv3) on 127.0.0.1, median of ${RUNS} runs; ` +
        'ratio = DataFerry time / nfs-cp time (lower is faster); MB = 10^6 bytes',
    );
    const header =
      'case|DataFerry s|nfs-cp s|ratio|DataFerry MB/s|nfs-cp MB/s|peak RSS MiB|note'.split('|');
    const mib = (kib) => (kib ? (kib / 1024).toFixed(0) : '-');
    const rows = Object.entries(results).map(
      ([caseName, { dataferry: ours, 'nfs-cp': theirs }]) => {
        const bytes = sizeOf(caseName);
        const notes = [];
        if ('ms' in ours) notes.push(`DataFerry VERIFYING ${(ours.verifyMs / 1000).toFixed(2)} s`);
        const perSec = (r) => ('ms' in r ? (FILES / (r.ms / 1000)).toFixed(0) : '-');
        if (bytes < bigBytes) notes.push(`files/s ${perSec(ours)} vs ${perSec(theirs)}`);
        if ('error' in ours) notes.push(`DataFerry: ${ours.error}`);
        if ('error' in theirs) notes.push(`nfs-cp: ${theirs.error}`);
        return [
          caseName,
          secs(ours),
          secs(theirs),
          'ms' in ours && 'ms' in theirs ? `${(ours.ms / theirs.ms).toFixed(2)}x` : '-',
          mbps(ours, bytes),
          mbps(theirs, bytes),
          `${mib(peaks[caseName]?.dataferry)} vs ${mib(peaks[caseName]?.['nfs-cp'])}`,
          notes.join('; '),
        ];
      },
    );
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const left = (i) => i === 0 || i === 7; // text columns; the numbers align right
    const line = (cells) =>
      `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
    console.log(line(header));
    console.log(
      `|${widths.map((w, i) => (left(i) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    );
    for (const row of rows) console.log(line(row));
    console.log(
      `DataFerry: run --json, defaults (--parallel ${PARALLEL}, verify transferred files); ` +
        `nfs-cp: one process per file, xargs -P ${PARALLEL} for the trees; ` +
        'every result checked: files, sizes, spot-checked bytes; peak RSS: GNU time %M, the ' +
        'largest of the runs (for nfs-cp the largest single process, not the sum of 8)',
    );
  } finally {
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}
