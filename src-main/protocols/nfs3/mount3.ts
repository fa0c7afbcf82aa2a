import type { RpcClient } from './rpc-client';
import { FHSIZE3 } from './nfs3-types';

/*
 * The MOUNT protocol, version 3 (RFC 1813, appendix I): the root file handle of an export, and
 * the list of exports for the file browser.
 */

const MOUNT_PROGRAM = 100005;
const MOUNT_V3 = 3;
const MNTPATHLEN = 1024;

const MOUNT_STATUS: Record<number, string> = {
  1: 'MNT3ERR_PERM',
  2: 'MNT3ERR_NOENT',
  5: 'MNT3ERR_IO',
  13: 'MNT3ERR_ACCES',
  20: 'MNT3ERR_NOTDIR',
  22: 'MNT3ERR_INVAL',
  63: 'MNT3ERR_NAMETOOLONG',
  10004: 'MNT3ERR_NOTSUPP',
  10006: 'MNT3ERR_SERVERFAULT',
};

/** MNT refused: `status` names why (MNT3ERR_NOENT for a missing export...). */
export class MountError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.name = 'MountError';
  }
}

export interface Export {
  path: string;
  /** Who may mount it, as the server lists them (empty: everyone). */
  groups: string[];
}

export class MountClient {
  constructor(private readonly rpc: RpcClient) {}

  /**
   * The root file handle of `path` and the auth flavors the server accepts.
   * Throws MountError, and what RpcClient.call throws.
   */
  async mount(path: string, signal?: AbortSignal): Promise<{ handle: Buffer; flavors: number[] }> {
    const xdr = await this.rpc.call(MOUNT_PROGRAM, MOUNT_V3, 1, (w) => void w.string(path), signal);
    const code = xdr.uint32();
    if (code !== 0) {
      const status = MOUNT_STATUS[code] ?? `MNT3ERR_${code}`;
      throw new MountError(code, status, `Cannot mount ${path}: ${status}`);
    }
    const handle = Buffer.from(xdr.opaque(FHSIZE3));
    const count = xdr.uint32();
    if (count > 64) throw new MountError(22, 'MNT3ERR_INVAL', `${count} auth flavors: malformed`);
    return { handle, flavors: Array.from({ length: count }, () => xdr.uint32()) };
  }

  /** Tells the server we no longer use `path` (a courtesy: it keeps no state that matters). */
  async unmount(path: string, signal?: AbortSignal): Promise<void> {
    await this.rpc.call(MOUNT_PROGRAM, MOUNT_V3, 3, (w) => void w.string(path), signal);
  }

  /** The server's exports. Throws what RpcClient.call throws. */
  async exports(signal?: AbortSignal): Promise<Export[]> {
    const xdr = await this.rpc.call(MOUNT_PROGRAM, MOUNT_V3, 5, () => undefined, signal);
    const found: Export[] = [];
    while (xdr.bool()) {
      const path = xdr.string(MNTPATHLEN);
      const groups: string[] = [];
      while (xdr.bool()) groups.push(xdr.string(255));
      found.push({ path, groups });
    }
    return found;
  }
}
