import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '../../src-main/protocols/nfs3/rpc-client';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';

/*
 * Our ONC RPC client against the real nfs-ganesha: MOUNT v3 and NFSv3 calls, with AUTH_SYS.
 * (The NFS location itself arrives with issue 6; this proves the transport it will stand on.)
 */

const MOUNT = 100005;
const NFS = 100003;
const auth = { machineName: 'dataferry-test', uid: 0, gid: 0 };

let server: RunningNfsServer;
beforeAll(async () => {
  server = await startNfsServer();
  await writeFile(path.join(server.root, 'hello.txt'), 'hello');
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

describe('ONC RPC against nfs-ganesha', () => {
  it('mounts the export, then reads the root folder attributes over NFSv3', async () => {
    const mount = new RpcClient({ host: '127.0.0.1', port: server.mountPort, auth });
    const nfs = new RpcClient({ host: '127.0.0.1', port: server.nfsPort, auth });
    try {
      await mount.call(MOUNT, 3, 0, () => undefined); // NULL
      const mounted = await mount.call(MOUNT, 3, 1, (xdr) => void xdr.string(server.exportPath));
      expect(mounted.uint32()).toBe(0); // MNT3_OK
      const handle = mounted.opaque(64);
      expect(handle.length).toBeGreaterThan(0);
      const flavors = Array.from({ length: mounted.uint32() }, () => mounted.uint32());
      expect(flavors).toContain(1); // AUTH_SYS

      const missing = await mount.call(MOUNT, 3, 1, (xdr) => void xdr.string('/no-such-export'));
      expect(missing.uint32()).not.toBe(0);

      const attr = await nfs.call(NFS, 3, 1, (xdr) => void xdr.opaque(handle)); // GETATTR
      expect(attr.uint32()).toBe(0); // NFS3_OK
      expect(attr.uint32()).toBe(2); // NF3DIR

      // Many calls in flight on one connection, all answered.
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => nfs.call(NFS, 3, 1, (xdr) => void xdr.opaque(handle))),
      );
      expect(answers.map((a) => a.uint32())).toEqual(Array(50).fill(0));
    } finally {
      mount.close();
      nfs.close();
    }
  });
});
