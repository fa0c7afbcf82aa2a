import os from 'node:os';
import { MountClient, MountError } from '../../protocols/nfs3/mount3';
import { Nfs3Client } from '../../protocols/nfs3/nfs3';
import { openExport, readReplyPool, type Nfs3FileSystem } from '../../protocols/nfs3/nfs3-fs';
import { getPort } from '../../protocols/nfs3/portmap';
import { RpcClient } from '../../protocols/nfs3/rpc-client';

/*
 * One NFSv3 session with a server: the ports (given, or asked of the portmapper), a MOUNT of
 * the export, and the file-system view of the location's folder inside it.
 */

const NFS_PROGRAM = 100003;
const MOUNT_PROGRAM = 100005;
const VERSION_3 = 3;

export interface NfsEndpoint {
  server: string;
  /** 0: ask the portmapper. */
  port: number;
  mountPort: number;
  exportPath: string;
  /** The location's folder inside the export, '' for its root ('a/b', no slashes around). */
  folder: string;
  uid: number;
  gid: number;
  /** A call without a reply after this long fails (and a lost server is waited for this long). */
  timeoutMs: number;
}

/**
 * The server refused to mount the path and does not list it among its exports (servers answer
 * MNT3ERR_ACCES for a path they do not export, as for one they refuse to this client).
 */
export class ExportNotFoundError extends Error {
  constructor(
    readonly exportPath: string,
    readonly exports: string[],
  ) {
    super(`Export ${exportPath} not found; the server exports ${exports.join(', ') || 'nothing'}`);
    this.name = 'ExportNotFoundError';
  }
}

export interface NfsSession {
  fs: Nfs3FileSystem;
  close(): void;
}

/**
 * Mounts the export (paths on the session's file system are relative to its root).
 * ExportNotFoundError when the server refuses the mount and does not list the export. Throws what the protocol client
 * throws (mapNfsError turns it into an AppError): MountError for a missing export,
 * Nfs3Error for a missing folder, RpcConnectionError for an unreachable server.
 */
export async function openNfsSession(endpoint: NfsEndpoint): Promise<NfsSession> {
  const auth = { machineName: os.hostname().slice(0, 255), uid: endpoint.uid, gid: endpoint.gid };
  // Linux servers export with `secure` by default: as root we can, and so do, use a port < 1024.
  const privilegedPort = process.getuid?.() === 0;
  const portOf = async (given: number, program: number): Promise<number> =>
    given !== 0
      ? given
      : getPort(program, VERSION_3, { host: endpoint.server, timeoutMs: endpoint.timeoutMs });
  const nfsPort = await portOf(endpoint.port, NFS_PROGRAM);
  const mountPort = await portOf(endpoint.mountPort, MOUNT_PROGRAM);
  const options = { host: endpoint.server, auth, privilegedPort, timeoutMs: endpoint.timeoutMs };
  const mountRpc = new RpcClient({ ...options, port: mountPort });
  const nfsRpc = new RpcClient({ ...options, port: nfsPort, replyPool: readReplyPool() });
  const close = (): void => {
    mountRpc.close();
    nfsRpc.close();
  };
  try {
    const nfs = new Nfs3Client(nfsRpc);
    const mount = new MountClient(mountRpc);
    const exported = await openExport(mount, nfs, endpoint.exportPath).catch(
      async (error: unknown) => {
        if (
          !(error instanceof MountError) ||
          !['MNT3ERR_ACCES', 'MNT3ERR_NOENT'].includes(error.status)
        ) {
          throw error;
        }
        const listed = await mount.exports().catch(() => null);
        const paths = listed?.map((e) => e.path) ?? [];
        if (listed && !paths.includes(endpoint.exportPath)) {
          throw new ExportNotFoundError(endpoint.exportPath, paths);
        }
        throw error;
      },
    );
    // MOUNT is needed once, for the root handle: its connection is not kept open.
    mountRpc.close();
    return { fs: exported, close };
  } catch (error) {
    close();
    throw error;
  }
}
