import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient, RpcConnectionError } from '../../../src-main/protocols/nfs3/rpc-client';
import { RpcError } from '../../../src-main/protocols/nfs3/rpc-message';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import { XdrError, XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';

/*
 * The RPC client's transport against a scripted peer on 127.0.0.1 that speaks record marking:
 * the unit level the issue asks for (split, out-of-order, malformed and lost replies). The real
 * server (nfs-ganesha) comes with the NFS location's integration tests.
 */

interface Received {
  xid: number;
  procedure: number;
  argument: number;
  connection: number;
}

type Script = (call: Received, reply: (record: Buffer) => void, socket: net.Socket) => void;

let servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  servers = [];
});

async function peer(script: Script): Promise<{ port: number; calls: Received[] }> {
  const calls: Received[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    const reader = new RecordReader(1 << 20);
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      for (const record of reader.push(data)) {
        const xdr = new XdrReader(record);
        const xid = xdr.uint32();
        xdr.uint32(); // CALL
        xdr.uint32(); // rpc version
        xdr.uint32(); // program
        xdr.uint32(); // version
        const procedure = xdr.uint32();
        xdr.uint32();
        xdr.opaque(); // credentials
        xdr.uint32();
        xdr.opaque(); // verifier
        const call = { xid, procedure, argument: xdr.uint32(), connection };
        calls.push(call);
        script(call, (r) => socket.write(r), socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, calls };
}

/** An accepted reply whose result is one word. */
function success(xid: number, result: number): Buffer {
  return frameRecord(
    new XdrWriter()
      .uint32(xid)
      .uint32(1)
      .uint32(0)
      .uint32(0)
      .uint32(0)
      .uint32(0)
      .uint32(result)
      .bytes(),
  );
}

const arg = (n: number) => (xdr: XdrWriter) => void xdr.uint32(n);

describe('RpcClient', () => {
  it('routes many calls in flight by xid, answered out of order and split into single bytes', async () => {
    const held: Received[] = [];
    const server = await peer((call, _reply, socket) => {
      held.push(call);
      if (held.length < 20) return;
      // All twenty at once, in reverse order, one byte per write.
      const all = Buffer.concat(held.reverse().map((c) => success(c.xid, c.argument * 2)));
      for (let i = 0; i < all.length; i++) socket.write(all.subarray(i, i + 1));
    });
    const client = new RpcClient({ host: '127.0.0.1', port: server.port });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.call(100003, 3, 0, arg(i))),
      );
      expect(results.map((r) => r.uint32())).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
      expect(new Set(server.calls.map((c) => c.xid)).size).toBe(20);
    } finally {
      client.close();
    }
  });

  it('sends the calls a dropped connection carried again, with the same xid, on a new one', async () => {
    const server = await peer((call, reply, socket) => {
      if (call.connection === 1)
        socket.destroy(); // received, but the reply is lost
      else reply(success(call.xid, 7));
    });
    const client = new RpcClient({ host: '127.0.0.1', port: server.port });
    try {
      expect((await client.call(100003, 3, 12, arg(1))).uint32()).toBe(7);
      expect(server.calls.map((c) => c.connection)).toEqual([1, 2]);
      expect(server.calls[0]?.xid).toBe(server.calls[1]?.xid);
    } finally {
      client.close();
    }
  });

  it('names the refusal of the server (PROC_UNAVAIL) and fails malformed replies, without hanging', async () => {
    const server = await peer((call, reply) => {
      if (call.argument === 1) {
        reply(
          frameRecord(
            new XdrWriter()
              .uint32(call.xid)
              .uint32(1)
              .uint32(0)
              .uint32(0)
              .uint32(0)
              .uint32(3)
              .bytes(),
          ),
        );
      } else {
        reply(frameRecord(new XdrWriter().uint32(call.xid).uint32(1).uint32(9).bytes()));
      }
    });
    const client = new RpcClient({ host: '127.0.0.1', port: server.port, timeoutMs: 5_000 });
    try {
      const refused = await client.call(100003, 3, 99, arg(1)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RpcError);
      expect(refused).toMatchObject({ status: 'PROC_UNAVAIL' });
      await expect(client.call(100003, 3, 0, arg(2))).rejects.toBeInstanceOf(XdrError);
    } finally {
      client.close();
    }
  });

  it('drops a stream that announces an oversized record and fails its calls', async () => {
    const server = await peer((_call, _reply, socket) => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE((0x80000000 | 0x7ffffff0) >>> 0);
      socket.write(header);
    });
    const client = new RpcClient({ host: '127.0.0.1', port: server.port, maxRecordBytes: 1024 });
    try {
      await expect(client.call(100003, 3, 6, arg(1))).rejects.toThrow(/more than 1024 bytes/);
    } finally {
      client.close();
    }
  });

  it('times out a call that gets no reply, and names the server', async () => {
    const server = await peer(() => undefined);
    const client = new RpcClient({ host: '127.0.0.1', port: server.port, timeoutMs: 200 });
    try {
      const failure = await client.call(100003, 3, 0, arg(0)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RpcConnectionError);
      expect(failure).toMatchObject({ reason: 'timeout' });
      expect(String((failure as Error).message)).toContain(`127.0.0.1:${server.port}`);
    } finally {
      client.close();
    }
  });

  it('connects from a reserved port when asked (servers exporting with "secure")', async () => {
    let remotePort = 0;
    const server = await peer((call, reply, socket) => {
      remotePort = socket.remotePort ?? 0;
      reply(success(call.xid, 1));
    });
    const client = new RpcClient({ host: '127.0.0.1', port: server.port, privilegedPort: true });
    try {
      const outcome = await client.call(100003, 3, 0, arg(0)).then(
        () => 'ok',
        (e: unknown) => String((e as Error).message),
      );
      if (process.getuid?.() === 0) {
        expect(outcome).toBe('ok');
        expect(remotePort).toBeGreaterThanOrEqual(600);
        expect(remotePort).toBeLessThan(1024);
      } else {
        expect(outcome).toMatch(/privileged port .*needs root/);
      }
    } finally {
      client.close();
    }
  });

  it('says a closed port is unreachable, and cancels through the signal', async () => {
    const closed = await peer(() => undefined);
    const port = closed.port;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const client = new RpcClient({ host: '127.0.0.1', port, maxConnects: 1 });
    await expect(client.call(100003, 3, 0, arg(0))).rejects.toMatchObject({
      reason: 'unreachable',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    client.close();
    const silent = await peer(() => undefined);
    const other = new RpcClient({ host: '127.0.0.1', port: silent.port });
    const controller = new AbortController();
    const call = other.call(100003, 3, 0, arg(0), controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toMatchObject({ reason: 'cancelled' });
    other.close();
  });
});
