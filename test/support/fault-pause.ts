/**
 * A network stall, made real: the server process listening on a port is frozen with SIGSTOP
 * (its sockets stay open, the kernel even accepts new connections into the backlog, but nothing
 * answers) and thawed with SIGCONT. Found by its listening socket in /proc, so it works for the
 * test servers of every kind (smbd, nfs-ganesha, fauxqs, s3rver) without their helpers'
 * cooperation. smbd forks one process per client into its own process group: the whole group
 * is frozen. Only processes this machine's tests started are ever signalled: the one listening
 * on the port given, and its group when it leads one of its own.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface Paused {
  /** The pids (or -pgid) signalled. */
  targets: number[];
  /** SIGCONT to what was stopped (idempotent). */
  resume(): void;
}

/** The socket inodes listening on 127.0.0.1 (or any address) at `port`. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
      // State 0A is LISTEN.
      if (localPort === port && f[3] === '0A') inodes.add(f[9] as string);
    }
  }
  return inodes;
}

/** The pid of the process holding the listening socket at `port`. Throws when there is none. */
export function listenerPid(port: number): number {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match && inodes.has(match[1] as string)) return Number(entry);
    }
  }
  throw new Error(`no process found for the socket listening on port ${port}`);
}

/** The process group of a pid (field 5 of /proc/PID/stat). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(afterName[2]);
}

/**
 * Freezes the server listening on `port` (SIGSTOP); with `group`, its whole process group when
 * it leads one that is not ours (smbd and its per-client children). Returns how to thaw it.
 */
export function pauseServer(port: number, options: { group?: boolean } = {}): Paused {
  const pid = listenerPid(port);
  const pgid = processGroup(pid);
  const ours = processGroup(process.pid);
  const target = options.group && pgid === pid && pgid !== ours ? -pgid : pid;
  process.kill(target, 'SIGSTOP');
  let resumed = false;
  return {
    targets: [target],
    resume() {
      if (resumed) return;
      resumed = true;
      try {
        process.kill(target, 'SIGCONT');
      } catch {
        // Killed meanwhile: nothing to thaw.
      }
    },
  };
}
