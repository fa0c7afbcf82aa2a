import { AppError } from '../../../src-shared/errors';
import { MountClient } from '../../protocols/nfs3/mount3';
import { getPort } from '../../protocols/nfs3/portmap';
import { RpcClient } from '../../protocols/nfs3/rpc-client';
import { mapNfsError } from './nfs-errors';

const MOUNT_PROGRAM = 100005;

/** One export as the file browser shows it. */
export interface NfsExport {
  path: string;
  /** Who may mount it, as the server lists them (empty: everyone). */
  allowed: string[];
}

/**
 * The exports a server lists (MOUNT EXPORT), sorted by path, for picking one before any is
 * chosen. `mountPort` 0 asks the portmapper. Throws AppError: unavailable (nothing answers),
 * timeout, not-supported (no MOUNT v3 on that port), cancelled.
 */
export async function listNfsExports(
  server: string,
  mountPort: number,
  signal: AbortSignal,
): Promise<NfsExport[]> {
  const where = `NFS server ${server}`;
  let rpc: RpcClient | null = null;
  try {
    const port =
      mountPort !== 0 ? mountPort : await getPort(MOUNT_PROGRAM, 3, { host: server, signal });
    rpc = new RpcClient({
      host: server,
      port,
      timeoutMs: 15_000,
      privilegedPort: process.getuid?.() === 0,
    });
    const exports = await new MountClient(rpc).exports(signal);
    return exports
      .map((e) => ({ path: e.path, allowed: e.groups }))
      .sort((a, b) => a.path.localeCompare(b.path));
  } catch (error) {
    if (signal.aborted) throw new AppError('cancelled', `Cancelled: list the exports of ${where}`);
    throw mapNfsError(error, where, 'list exports');
  } finally {
    rpc?.close();
  }
}
