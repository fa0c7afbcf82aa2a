import net from 'node:net';
import { frameRecord, RecordReader } from '../../src-main/protocols/nfs3/rpc-record';
import { XdrReader, XdrWriter } from '../../src-main/protocols/nfs3/xdr';

/*
 * A scripted ONC RPC server on 127.0.0.1 for tests of the NFSv3 client against hostile
 * replies: it reassembles each CALL (record marking), reads its header by hand (RFC 5531) and
 * asks the script what to send back: the results of an accepted reply, raw bytes (a lying
 * record mark, half a record), the end of the connection, or nothing.
 */

export interface RpcCall {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  /** The procedure's arguments, as sent. */
  args: Buffer;
  /** 1 for the first connection the server accepted, 2 for the next... */
  connection: number;
}

/** One step of an answer: results (framed after an accepted header), raw bytes, or 'close'. */
export type RpcStep = { results: Buffer } | { raw: Buffer } | 'close';
/** What the server does with a call: steps in order, or null for no answer at all. */
export type RpcScript = (call: RpcCall) => RpcStep | RpcStep[] | null;

export interface ScriptedRpc {
  port: number;
  calls: RpcCall[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS: the head of an accepted reply. */
export function acceptedHeader(xid: number): Buffer {
  return Buffer.from(
    new XdrWriter().uint32(xid).uint32(1).uint32(0).uint32(0).uint32(0).uint32(0).bytes(),
  );
}

/** Starts a scripted RPC server; calls the script for every CALL it receives. */
export async function scriptedRpc(script: RpcScript): Promise<ScriptedRpc> {
  const calls: RpcCall[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new RecordReader(1 << 20);
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
        const call = {
          xid,
          program,
          version,
          procedure,
          args: record.subarray(record.length - xdr.remaining),
          connection,
        };
        calls.push(call);
        const reaction = script(call);
        if (reaction === null) continue;
        for (const step of Array.isArray(reaction) ? reaction : [reaction]) {
          if (step === 'close') {
            socket.end();
            break;
          }
          socket.write(
            'raw' in step
              ? step.raw
              : frameRecord(Buffer.concat([acceptedHeader(xid), step.results])),
          );
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    calls,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
