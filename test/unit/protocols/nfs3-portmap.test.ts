import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getPort, NotRegisteredError } from '../../../src-main/protocols/nfs3/portmap';
import { RpcConnectionError } from '../../../src-main/protocols/nfs3/rpc-client';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import { XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';

/*
 * getPort (portmap.ts, RFC 1833 PMAPPROC_GETPORT) against a scripted portmapper on 127.0.0.1,
 * given as portmapPort: port 111 needs root and is rpcbind's own, and only a scripted peer can
 * show the arguments on the wire, answer "not registered" (port 0), or never answer at all.
 */

interface Call {
  program: number;
  version: number;
  procedure: number;
  /** PMAPPROC_GETPORT's mapping: prog, vers, prot, port. */
  mapping: number[];
}

let servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  servers = [];
});

/** A portmapper that answers `port`, or never answers when it is null. */
async function portmapper(
  port: number | null,
): Promise<{ port: number; calls: Call[]; closed: Promise<void> }> {
  const calls: Call[] = [];
  let connectionClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
  const server = net.createServer((socket) => {
    const reader = new RecordReader(1 << 16);
    socket.on('error', () => undefined);
    socket.on('close', () => connectionClosed());
    socket.on('data', (data) => {
      for (const record of reader.push(data)) {
        const xdr = new XdrReader(record);
        const xid = xdr.uint32();
        xdr.uint32(); // CALL
        xdr.uint32(); // RPC version
        const program = xdr.uint32();
        const version = xdr.uint32();
        const procedure = xdr.uint32();
        xdr.uint32();
        xdr.opaque(); // credentials
        xdr.uint32();
        xdr.opaque(); // verifier
        const mapping = [xdr.uint32(), xdr.uint32(), xdr.uint32(), xdr.uint32()];
        calls.push({ program, version, procedure, mapping });
        if (port === null) continue;
        const reply = new XdrWriter().uint32(xid).uint32(1).uint32(0); // REPLY, MSG_ACCEPTED
        reply.uint32(0).uint32(0).uint32(0).uint32(port); // AUTH_NONE verifier, SUCCESS, port
        socket.write(frameRecord(reply.bytes()));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, calls, closed };
}

describe('getPort', () => {
  it('asks portmapper version 2 GETPORT for the program over TCP and answers its port', async () => {
    const pm = await portmapper(20049);
    const port = await getPort(100003, 3, { host: '127.0.0.1', portmapPort: pm.port });
    expect(port).toBe(20049);
    expect(pm.calls).toEqual([
      // PMAP_PROG 100000, version 2, PMAPPROC_GETPORT 3; prog, vers, IPPROTO_TCP (6), port 0.
      { program: 100000, version: 2, procedure: 3, mapping: [100003, 3, 6, 0] },
    ]);
    await pm.closed; // the connection is not left open
  });

  it('passes the program and version asked for (MOUNT v3)', async () => {
    const pm = await portmapper(635);
    expect(await getPort(100005, 3, { host: '127.0.0.1', portmapPort: pm.port })).toBe(635);
    expect(pm.calls[0]?.mapping).toEqual([100005, 3, 6, 0]);
  });

  it('fails with NotRegisteredError naming the program when the answer is port 0', async () => {
    const pm = await portmapper(0);
    const error = await getPort(100003, 3, { host: '127.0.0.1', portmapPort: pm.port }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotRegisteredError);
    expect(String((error as Error).message)).toMatch(/program 100003 version 3 over TCP/);
    expect(String((error as Error).message)).toContain('127.0.0.1');
    await pm.closed;
  });

  it('refuses a port beyond 65535 as not registered', async () => {
    const pm = await portmapper(70_000);
    await expect(
      getPort(100003, 3, { host: '127.0.0.1', portmapPort: pm.port }),
    ).rejects.toBeInstanceOf(NotRegisteredError);
  });

  it('says to give the ports instead when no portmapper listens (unreachable)', async () => {
    const pm = await portmapper(2049);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const started = Date.now();
    const error = await getPort(100003, 3, { host: '127.0.0.1', portmapPort: pm.port }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcConnectionError);
    expect(error).toMatchObject({ reason: 'unreachable' });
    const message = String((error as Error).message);
    expect(message).toContain(`127.0.0.1:${pm.port}`);
    expect(message).toMatch(/no portmapper \(rpcbind\)/);
    expect(message).toMatch(/give the server's ports instead/);
    // One connection attempt: a second would come only after a back-off of 200 ms.
    expect(Date.now() - started).toBeLessThan(180);
  });

  it('times out a portmapper that never answers, with the small timeoutMs given', async () => {
    const pm = await portmapper(null);
    const started = Date.now();
    const error = await getPort(100003, 3, {
      host: '127.0.0.1',
      portmapPort: pm.port,
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcConnectionError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pm.calls).toHaveLength(1);
    await pm.closed; // closed after the time-out too
  });

  it('cancels through the signal', async () => {
    const pm = await portmapper(null);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      getPort(100003, 3, { host: '127.0.0.1', portmapPort: pm.port, signal: controller.signal }),
    ).rejects.toMatchObject({ reason: 'cancelled' });
  });
});
