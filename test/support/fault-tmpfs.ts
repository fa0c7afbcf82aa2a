/**
 * A small tmpfs for tests of a destination that fills up: a real file system that answers
 * ENOSPC (and, through Samba and nfs-ganesha, their own "disk full" statuses) once `sizeBytes`
 * are used. Mounted by the privileged launcher (scripts/privileged-launcher.mjs, which keeps
 * CAP_SYS_ADMIN while the tests run without root's file-mode override), or directly when the
 * tests run as root without it. Nothing else on the machine is touched: the folder must be an
 * empty folder under the temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Tmpfs {
  /** The mounted folder (mode 0777). */
  dir: string;
  /** Unmounts it (idempotent); what it held is gone. */
  unmount(): Promise<void>;
}

/** One request to the privileged launcher; rejects with its error. */
function launcher(request: object): Promise<Record<string, unknown>> {
  const socketPath = process.env.DATAFERRY_PRIVILEGED_LAUNCHER as string;
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (data) => {
      answer += data.toString();
      if (!answer.includes('\n')) return;
      socket.end();
      const parsed = JSON.parse(answer) as Record<string, unknown>;
      if (typeof parsed.error === 'string') reject(new Error(parsed.error));
      else resolve(parsed);
    });
    socket.on('error', reject);
  });
}

/** Whether a tmpfs is mounted exactly at `dir` (from /proc/self/mounts). */
export function isTmpfsMounted(dir: string): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => {
    const [, target, type] = line.split(' ');
    return type === 'tmpfs' && target === path.resolve(dir);
  });
}

/** Why no tmpfs can be mounted here, or null when one can (for describe.skipIf). */
export function tmpfsUnavailable(): string | null {
  if (process.env.DATAFERRY_PRIVILEGED_LAUNCHER) return null;
  if (process.getuid?.() === 0) return null;
  return 'mounting a tmpfs needs root: run the tests through scripts/unprivileged.mjs as root';
}

/**
 * Mounts a tmpfs of `sizeBytes` on `dir` (an existing, empty folder under the temporary
 * folder). Rejects with the launcher's or mount's error.
 */
export async function mountTmpfs(dir: string, sizeBytes: number): Promise<Tmpfs> {
  const viaLauncher = Boolean(process.env.DATAFERRY_PRIVILEGED_LAUNCHER);
  if (viaLauncher) await launcher({ op: 'mount-tmpfs', path: dir, sizeBytes });
  else execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0777`, 'df-test', dir]);
  if (!isTmpfsMounted(dir)) throw new Error(`no tmpfs at ${dir} after mounting it`);
  let mounted = true;
  return {
    dir,
    async unmount() {
      if (!mounted) return;
      mounted = false;
      if (viaLauncher) await launcher({ op: 'unmount', path: dir });
      else execFileSync('umount', [dir]);
    },
  };
}
