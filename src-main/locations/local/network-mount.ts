import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import type { NetworkMount } from '../../../src-shared/model/entry';

/*
 * Tells whether a local folder is really an NFS export or SMB share the OS mounted, so the UI can
 * say so (transfers then go through the OS client; a direct NFS/SMB location may do better).
 * A hint only: every failure to find out answers null.
 */

/** One mounted file system, as the OS's mount table lists it. */
export interface MountRecord {
  mountPoint: string;
  fsType: string;
  source: string;
}

const PROTOCOL_BY_FS_TYPE: Record<string, NetworkMount['protocol']> = {
  nfs: 'nfs',
  nfs4: 'nfs',
  cifs: 'smb',
  smb3: 'smb',
  smbfs: 'smb',
};

/** How long a read mount table is trusted: mounts change rarely, listings come often. */
const CACHE_MS = 2_000;

/**
 * Parses Linux's /proc/self/mountinfo: "36 35 98:0 /root /mnt/point opts [optional...] - fstype
 * source superopts". Octal escapes (\040 for a space) are decoded. Malformed lines are skipped.
 */
export function parseMountInfo(text: string): MountRecord[] {
  const records: MountRecord[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-', 6);
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    const source = fields[dash + 2];
    if (dash === -1 || mountPoint === undefined || fsType === undefined || source === undefined) {
      continue;
    }
    records.push({
      mountPoint: unescapeOctal(mountPoint),
      fsType: unescapeOctal(fsType),
      source: unescapeOctal(source),
    });
  }
  return records;
}

/**
 * Parses macOS's `mount` output: "//user@server/share on /Volumes/x (smbfs, nodev, nosuid)" or
 * "server:/export on /mnt (nfs, asynchronous)". Unrecognised lines are skipped.
 */
export function parseMacMountOutput(text: string): MountRecord[] {
  const records: MountRecord[] = [];
  for (const line of text.split('\n')) {
    // Greedy mount point: it may contain " on " or spaces; the options never contain "(".
    const match = /^(.+?) on (.+) \(([^,()]+)[^()]*\)\s*$/.exec(line);
    if (!match?.[1] || !match[2] || !match[3]) continue;
    records.push({ source: match[1], mountPoint: match[2], fsType: match[3].trim() });
  }
  return records;
}

/**
 * The network mount holding `absPath` (POSIX): the longest mount point containing it, if that
 * mount is NFS or SMB. A mount stacked on the same point later wins, as the kernel shows it.
 */
export function findNetworkMount(records: MountRecord[], absPath: string): NetworkMount | null {
  let best: MountRecord | undefined;
  for (const record of records) {
    if (!contains(record.mountPoint, absPath)) continue;
    if (!best || record.mountPoint.length >= best.mountPoint.length) best = record;
  }
  const protocol = best && PROTOCOL_BY_FS_TYPE[best.fsType];
  if (!best || !protocol) return null;
  return { protocol, source: tidySource(protocol, best.source), mountPoint: best.mountPoint };
}

/**
 * A Windows UNC path (\\server\share\..., or \\?\UNC\server\share\...) is an SMB share.
 * Mapped drive letters are not resolved (that needs WNetGetConnection): null.
 */
export function parseUncPath(absPath: string): NetworkMount | null {
  const match = /^(?:\\\\\?\\UNC\\|\\\\(?![?.]\\))([^\\/]+)[\\/]+([^\\/]+)/i.exec(absPath);
  if (!match?.[1] || !match[2]) return null;
  const root = `\\\\${match[1]}\\${match[2]}`;
  return { protocol: 'smb', source: `//${match[1]}/${match[2]}`, mountPoint: root };
}

export interface NetworkMountDetectorDeps {
  platform: NodeJS.Platform;
  /** The mount table as text: /proc/self/mountinfo on Linux, `mount` output on macOS. */
  readMountTable(): Promise<string>;
  now(): number;
  /** The path with symlinks resolved (a link to a mounted share is on that share). */
  realpath(absPath: string): Promise<string>;
}

/** A detector with its own ~2 s cache of the mount table. Never throws: answers null instead. */
export function createNetworkMountDetector(
  deps: NetworkMountDetectorDeps,
): (absPath: string) => Promise<NetworkMount | null> {
  let cached: { at: number; records: Promise<MountRecord[]> } | undefined;
  const records = (): Promise<MountRecord[]> => {
    const now = deps.now();
    if (!cached || now - cached.at > CACHE_MS || now < cached.at) {
      const parse = deps.platform === 'darwin' ? parseMacMountOutput : parseMountInfo;
      cached = { at: now, records: deps.readMountTable().then(parse, () => []) };
    }
    return cached.records;
  };
  return async (absPath) => {
    try {
      if (deps.platform === 'win32') return parseUncPath(absPath);
      if (deps.platform !== 'linux' && deps.platform !== 'darwin') return null;
      const real = await deps.realpath(absPath).catch(() => absPath);
      return findNetworkMount(await records(), real);
    } catch {
      return null;
    }
  };
}

/**
 * The NFS or SMB mount holding an absolute local path, or null (local disk, unknown platform, or
 * the mount table could not be read). Never throws.
 */
export const detectNetworkMount = createNetworkMountDetector({
  platform: process.platform,
  readMountTable: () =>
    process.platform === 'darwin'
      ? new Promise<string>((resolve, reject) =>
          execFile('/sbin/mount', { timeout: 5_000 }, (error, stdout) =>
            error ? reject(error) : resolve(stdout),
          ),
        )
      : readFile('/proc/self/mountinfo', 'utf8'),
  now: () => Date.now(),
  realpath: (absPath) => realpath(absPath),
});

function contains(mountPoint: string, absPath: string): boolean {
  if (mountPoint === '/') return absPath.startsWith('/');
  return absPath === mountPoint || absPath.startsWith(`${mountPoint}/`);
}

/** Drops a user name from an SMB source ("//user@server/share"): the share is what matters. */
function tidySource(protocol: NetworkMount['protocol'], source: string): string {
  return protocol === 'smb' ? source.replace(/^\/\/[^@/]+@/, '//') : source;
}

function unescapeOctal(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
