/*
 * NFS 4.x exports (Amazon EFS among them) are reached through a mount made by the OS: our own
 * client speaks NFSv3. These build the command the user runs, shown by the location form and in
 * the error a 4.x config gets.
 */

/** An EFS mount target's DNS name: fs-<id>.efs.<region>.amazonaws.com (or .com.cn). */
const EFS_HOST = /^(fs-[0-9a-f]{8,17})\.efs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i;

/** What the EFS preset of the location form asks for. */
export interface EfsMountInput {
  /** fs-0123456789abcdef0, or the mount target's full DNS name. */
  fileSystem: string;
  /** us-east-1...; taken from the DNS name when one is given. */
  region: string;
  /** Where to mount it on this machine. */
  mountPoint: string;
}

/** The file system id and region of an EFS DNS name, or null for any other host. */
export function parseEfsHost(host: string): { fileSystemId: string; region: string } | null {
  const match = EFS_HOST.exec(host.trim());
  return match
    ? { fileSystemId: (match[1] as string).toLowerCase(), region: match[2] as string }
    : null;
}

/**
 * The mount command AWS documents for EFS (NFS 4.1, 1 MiB transfers, hard mount, 60 s
 * timeouts, no reserved port so reconnects get a fresh one). Throws Error naming the field
 * when the file system id or region is not one.
 */
export function efsMountCommand(input: EfsMountInput): string {
  const parsed = parseEfsHost(input.fileSystem);
  const fileSystemId = parsed?.fileSystemId ?? input.fileSystem.trim().toLowerCase();
  const region = parsed?.region ?? input.region.trim();
  if (!/^fs-[0-9a-f]{8,17}$/.test(fileSystemId)) {
    throw new Error(
      `Not an EFS file system id: "${input.fileSystem}" (fs- and 8 to 17 hex digits)`,
    );
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new Error(`Not an AWS region: "${input.region}" (like us-east-1)`);
  }
  const host = `${fileSystemId}.efs.${region}.amazonaws.com`;
  return [
    `sudo mkdir -p ${shellQuote(input.mountPoint)}`,
    `sudo mount -t nfs4 -o nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport ${host}:/ ${shellQuote(input.mountPoint)}`,
  ].join(' && ');
}

/** The mount command for an NFS 4.x export of any server. */
export function nfs4MountCommand(input: {
  server: string;
  exportPath: string;
  version: '4.0' | '4.1';
  mountPoint: string;
}): string {
  return `sudo mount -t nfs4 -o nfsvers=${input.version} ${input.server}:${shellQuote(input.exportPath)} ${shellQuote(input.mountPoint)}`;
}

/** Single-quoted for a POSIX shell when it holds anything but safe characters. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
