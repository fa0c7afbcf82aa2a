import { execFileSync, type ChildProcess } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliRun } from '../support/run-cli';

let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  const dirs = await Promise.all([tempDir('cli-src'), tempDir('cli-dst'), tempDir('cli-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});

afterEach(async () => {
  for (const c of cleanup) await c();
});

const dataferry = (
  args: string[],
  opts: { onSpawn?(child: ChildProcess): void; env?: Record<string, string> } = {},
): Promise<CliRun> => runCli(args, { dataDir: data, ...opts });

async function makeTree(): Promise<void> {
  await mkdir(path.join(src, 'photos/2024/empty'), { recursive: true });
  await writeFile(path.join(src, 'photos/2024/ünïcødé 写真.jpg'), Buffer.alloc(70_000, 3));
  await writeFile(path.join(src, 'photos/notes with spaces.txt'), 'notes');
  await writeFile(path.join(src, 'zero'), '');
  await writeFile(path.join(src, `${'n'.repeat(200)}.txt`), 'long');
  await symlink('photos/notes with spaces.txt', path.join(src, 'link'));
  await utimes(path.join(src, 'zero'), new Date('2020-01-01'), new Date('2020-01-01'));
}

/** path -> what matters about it, for comparing trees: kind, bytes, mtime to the ms. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const full = path.join(root, p);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) out[p] = `link ${readlinkSync(full)}`;
      else if (info.isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else
        out[p] =
          `file ${readFileSync(full).toString('base64').slice(0, 40)} ${info.size} ${Math.floor(statSync(full).mtimeMs)}`;
    }
  };
  walk('');
  return out;
}

describe('dataferry run', () => {
  it('copies a tree, a re-run moves nothing, --delete removes exactly what the source lost', async () => {
    await makeTree();
    const first = await dataferry(['run', '--from', src, '--to', dst, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const execution = JSON.parse(first.stdout);
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters.FilesTransferred).toBe(5);
    expect(execution.phases.VERIFYING.status).toBe('SUCCESS');
    expect(tree(dst)).toEqual(tree(src));

    const second = JSON.parse(
      (await dataferry(['run', '--from', `file://${src}`, '--to', dst, '--json'])).stdout,
    );
    expect(second.counters.FilesTransferred).toBe(0);

    await rm(path.join(src, 'zero'));
    await rm(path.join(src, 'photos/2024'), { recursive: true });
    const kept = JSON.parse(
      (await dataferry(['run', '--from', src, '--to', dst, '--json'])).stdout,
    );
    expect(kept.counters.FilesDeleted).toBe(0);
    const removed = await dataferry(['run', '--from', src, '--to', dst, '--delete', '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout).counters.FilesDeleted).toBe(4); // zero, 2024, 2024/empty, the photo
    expect(tree(dst)).toEqual(tree(src));
  });

  it('lists executions, shows one and exports its report as JSON and CSV', async () => {
    await makeTree();
    const run = JSON.parse((await dataferry(['run', '--from', src, '--to', dst, '--json'])).stdout);
    const list = await dataferry(['executions', 'list']);
    expect(list.stdout).toContain(run.id);
    const shown = JSON.parse((await dataferry(['executions', 'show', run.id, '--json'])).stdout);
    expect(shown.counters).toEqual(run.counters);
    const json = JSON.parse((await dataferry(['report', run.id, '--format', 'json'])).stdout);
    expect(json.files.filter((f: { action: string }) => f.action === 'transferred')).toHaveLength(
      5,
    );
    const csvFile = path.join(data, 'report.csv');
    expect((await dataferry(['report', run.id, '--format', 'csv', '--output', csvFile])).code).toBe(
      0,
    );
    const csv = await readFile(csvFile, 'utf8');
    expect(csv.split('\n')[0]).toContain('path,action,size');
    expect(csv).toContain('photos/2024/ünïcødé 写真.jpg,transferred,70000');
  });

  it('Ctrl-C cancels cleanly with exit code 3 and no partial file under a final name', async () => {
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
    const run = await dataferry(['run', '--from', src, '--to', dst, '--bwlimit', '1M', '--json'], {
      onSpawn: (child) => setTimeout(() => child.kill('SIGINT'), 1500),
    });
    expect(run.code, run.stderr).toBe(3);
    expect(JSON.parse(run.stdout).status).toBe('CANCELLED');
    expect(readdirSync(dst).filter((n) => !n.startsWith('.dataferry-'))).toEqual([]);
  });
});

describe('dataferry killed', () => {
  it('SIGKILL mid-run: the execution is marked interrupted at the next start, no half file, a re-run completes', async () => {
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 9));
    await writeFile(path.join(src, 'small.txt'), 'small');
    const killed = await dataferry(['run', '--from', src, '--to', dst, '--bwlimit', '1M'], {
      onSpawn: (child) => setTimeout(() => child.kill('SIGKILL'), 2000),
    });
    expect(killed.code).toBeNull();
    expect(
      readdirSync(dst).filter((n) => !n.startsWith('.dataferry-') && n !== 'small.txt'),
    ).toEqual([]);

    const list = JSON.parse((await dataferry(['executions', 'list', '--json'])).stdout);
    expect(list[0].status).toBe('ERROR');
    expect(list[0].interrupted).toBe(true);
    expect(list[0].error.message).toContain('Interrupted');

    const again = await dataferry(['run', '--from', src, '--to', dst, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(path.join(dst, 'big.bin')).equals(Buffer.alloc(6 * 1024 * 1024, 9))).toBe(
      true,
    );
  });
});

describe('dataferry errors', () => {
  it.each([
    [['run', '--from', '/a'], 'run needs --from URL and --to URL'],
    [['run', '--from', 'relative/path', '--to', '/tmp/x'], 'Not a location: "relative/path"'],
    [['run', '--from', 'ftp://host/x', '--to', '/tmp/x'], 'Unknown location scheme "ftp:"'],
    [
      ['run', '--from', '/a', '--to', '/b', '--delete', '--transfer-mode', 'all'],
      'PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED',
    ],
    [
      ['run', '--from', '/a', '--to', '/b', '--verify', 'sometimes'],
      '--verify must be one of transferred, point-in-time, none',
    ],
    [['run', '--from', '/a', '--to', '/b', '--bwlimit', 'fast'], '--bwlimit must be a number'],
    [['run', '--from', '/a', '--to', '/b', '--parallel', '0'], '--parallel must be a whole number'],
    [['run', '--nonsense'], "Unknown option '--nonsense'"],
    [['frobnicate'], 'Unknown command "frobnicate"'],
  ])('exit 2 for %j', async (args, message) => {
    const run = await dataferry(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('issue 15 item 2: a FIFO left behind is "not copied" in the summary, named, and the exit code is 1', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const run = await dataferry(['run', '--from', src, '--to', dst]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/: ERROR$/m);
    expect(run.stdout).toContain(
      '  files: 1 transferred of 1, 0 metadata updated, 0 skipped, 1 not copied,',
    );
    expect(run.stdout).toContain('  error: 1 entry was not copied: /pipe (special file');
    expect(run.stdout).toMatch(/^ {2}report: dataferry report \S+ --format csv$/m);
  });

  it('issue 15 item 3: a folder that cannot be read is named in the summary with its reason', async () => {
    await mkdir(path.join(src, 'a/locked'), { recursive: true });
    await writeFile(path.join(src, 'a/locked/inside.txt'), 'x');
    await writeFile(path.join(src, 'a/ok.txt'), 'ok');
    await chmod(path.join(src, 'a/locked'), 0o000);
    cleanup.unshift(() => chmod(path.join(src, 'a/locked'), 0o755));
    const run = await dataferry(['run', '--from', src, '--to', dst]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('  folders: 2 created, 0 updated, 1 failed');
    expect(run.stdout).toContain(
      '  error: 1 folder(s) could not be read: /a/locked (permission denied); see the task report',
    );
    const id = /^Execution (\S+):/m.exec(run.stdout)?.[1] ?? '';
    const report = JSON.parse((await dataferry(['report', id, '--format', 'json'])).stdout);
    const rows = report.files as { path: string; action: string; detail: string }[];
    expect(rows.find((r) => r.action === 'folder-failed')).toMatchObject({
      path: 'a/locked',
      detail: expect.stringContaining('source folder could not be read'),
    });
  });

  it('exit 1 naming the SMB server when nothing answers there', async () => {
    const run = await dataferry(['run', '--from', 'smb://user@127.0.0.1:1/share/x', '--to', dst]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Cannot reach 127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('exit 1 naming the portmapper when an NFS server without given ports has none', async () => {
    // No rpcbind runs here; where one does, it answers that MOUNT (100005) is not registered.
    const run = await dataferry(['run', '--from', 'nfs://127.0.0.1/export/x', '--to', dst]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /no portmapper \(rpcbind\) answers on 127\.0\.0\.1:111|does not offer RPC program 100005/,
    );
  });

  it('exit 1 naming the source when it does not exist', async () => {
    const run = await dataferry([
      'run',
      '--from',
      path.join(src, 'missing'),
      '--to',
      dst,
      '--json',
    ]);
    expect(run.code).toBe(1);
    const execution = JSON.parse(run.stdout);
    expect(execution.status).toBe('ERROR');
    expect(execution.error.code).toBe('not-found');
    expect(execution.error.message).toContain('The source');
  });

  it('--help prints the usage', async () => {
    const run = await dataferry(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dataferry run --from URL --to URL');
  });
});
