import { randomInt } from 'node:crypto';
import net from 'node:net';
import type { ReplyBufferPool } from './reply-buffers';
import { recordMark, RecordReader } from './rpc-record';
import { callWriter, readReply, xidOf, type AuthSys } from './rpc-message';
import { XdrError, type XdrReader, type XdrWriter } from './xdr';

/*
 * An ONC RPC client over one TCP connection: many calls in flight, each routed back by its xid;
 * a time limit per call; and when the connection drops, a new one to which the calls still
 * waiting are sent again with the same xids, so a server's duplicate request cache recognises a
 * retried REMOVE or RENAME whose first reply was lost rather than failing it.
 */

export interface RpcClientOptions {
  host: string;
  port: number;
  /** A call with no reply after this long fails with RpcConnectionError('timeout'). */
  timeoutMs?: number;
  /**
   * Connections tried for one call before it fails (the first included), while the server has
   * never been reached. Once it has, a lost connection is tried again until the call's time
   * limit: a server restarting (a failover, an upgrade) is waited for, as a hard mount does.
   */
  maxConnects?: number;
  /** The largest reply accepted (a READ of rtmax bytes and its headers). */
  maxRecordBytes?: number;
  /**
   * Buffers for the replies of the sizes it serves (READs), used again once the caller gives
   * them back (releaseReply); absent: every reply in a buffer of its own.
   */
  replyPool?: ReplyBufferPool;
  /** Credentials for every call; absent: AUTH_NONE. */
  auth?: AuthSys;
  /**
   * Connect from a source port below 1024, as Linux servers exporting with `secure` (their
   * default) require; needs root (or CAP_NET_BIND_SERVICE). Fails with 'unreachable' naming
   * the cause when no such port can be bound.
   */
  privilegedPort?: boolean;
}

/** Reserved ports tried, from the top, as the kernel's NFS client does. */
const PRIVILEGED_PORTS = { highest: 1023, lowest: 600 };

/** The server could not be reached, went away, or did not answer in time. */
export class RpcConnectionError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'closed' | 'timeout' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'RpcConnectionError';
  }
}

/**
 * The socket reads into this many bytes of its own, reused, whenever it is not reading the body
 * of a large reply straight into the reply's buffer (RecordReader.readTarget): RecordReader
 * copies out of it.
 */
const READ_BUFFER_BYTES = 256 * 1024;

interface Pending {
  /** The record mark and the call's parts, sent as they are (a WRITE's data is not copied). */
  record: Buffer[];
  resolve(results: XdrReader): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  attempts: number;
}

export class RpcClient {
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextXid = randomInt(1, 0x7fffffff);
  private closed = false;
  private everConnected = false;
  /** Parts waiting for this turn's writev (see queue). */
  private outbox: { socket: net.Socket; parts: Buffer[] } | null = null;
  /** Why the last connection attempt failed, for the time-out message. */
  private lastConnectError = '';
  private readonly where: string;

  constructor(private readonly options: RpcClientOptions) {
    this.where = `${options.host}:${options.port}`;
  }

  /**
   * Calls `procedure` of `program` `version`, with the arguments `args` writes, and resolves
   * with a reader at the results. Rejects with RpcError (the server refused the call),
   * XdrError (a malformed reply), RpcConnectionError (unreachable, closed, timeout, cancelled).
   */
  call(
    program: number,
    version: number,
    procedure: number,
    args: (xdr: XdrWriter) => void,
    signal?: AbortSignal,
  ): Promise<XdrReader> {
    if (this.closed) {
      return Promise.reject(
        new RpcConnectionError('closed', `RPC client for ${this.where} is closed`),
      );
    }
    const xid = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0 || 1;
    const xdr = callWriter({ xid, program, version, procedure, auth: this.options.auth });
    args(xdr);
    const { parts, length } = xdr.segments();
    const record = [recordMark(length), ...parts];
    return new Promise<XdrReader>((resolve, reject) => {
      const settle = (): void => {
        const entry = this.pending.get(xid);
        if (entry) clearTimeout(entry.timer);
        this.pending.delete(xid);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        settle();
        reject(new RpcConnectionError('cancelled', `Cancelled: RPC call to ${this.where}`));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        settle();
        const seconds = (this.options.timeoutMs ?? 30_000) / 1000;
        reject(
          this.socket || this.lastConnectError === ''
            ? new RpcConnectionError('timeout', `No reply from ${this.where} within ${seconds} s`)
            : new RpcConnectionError(
                'unreachable',
                `Lost the connection to ${this.where} and could not reconnect within ${seconds} s (${this.lastConnectError})`,
              ),
        );
      }, this.options.timeoutMs ?? 30_000);
      this.pending.set(xid, {
        record,
        attempts: 0,
        timer,
        resolve: (results) => (settle(), resolve(results)),
        reject: (error) => (settle(), reject(error)),
      });
      void this.send(xid);
    });
  }

  /**
   * Gives the buffer of a reply (any view into it) back to the reply pool, for another reply:
   * the caller promises that nothing reads or writes any view into that reply any more. Does
   * nothing without a pool, or for a reply that did not come from it.
   */
  releaseReply(view: Uint8Array): void {
    this.options.replyPool?.release(view);
  }

  /** Closes the connection; calls still waiting fail with RpcConnectionError('closed'). */
  close(): void {
    this.closed = true;
    // A reset rather than a close: a reserved port would otherwise sit in TIME_WAIT for a
    // minute, and there are only 424 of them.
    if (this.options.privilegedPort) this.socket?.resetAndDestroy();
    else this.socket?.destroy();
    this.socket = null;
    this.failAll(new RpcConnectionError('closed', `RPC client for ${this.where} was closed`));
  }

  private async send(xid: number): Promise<void> {
    const entry = this.pending.get(xid);
    if (!entry) return;
    entry.attempts++;
    try {
      const socket = await this.connected();
      if (this.pending.has(xid)) this.queue(socket, entry.record);
    } catch (error) {
      this.lastConnectError = (error as Error).message;
      const giveUp = !this.everConnected && entry.attempts >= (this.options.maxConnects ?? 3);
      if (giveUp || error instanceof RpcConnectionError === false) entry.reject(error as Error);
      // Backing off up to 2 s between attempts; the call's own timer ends the waiting.
      else setTimeout(() => void this.send(xid), Math.min(2000, 100 * 2 ** entry.attempts)).unref();
    }
  }

  /**
   * Writes a record's parts with those of every other call made in the same turn of the event
   * loop: one writev for many calls (eight small files at once each start with a CREATE), where
   * a syscall per call cost more than the calls themselves on loopback.
   */
  private queue(socket: net.Socket, parts: Buffer[]): void {
    if (this.outbox?.socket !== socket) {
      const outbox = { socket, parts: [] as Buffer[] };
      this.outbox = outbox;
      queueMicrotask(() => {
        this.outbox = null;
        if (socket.destroyed) return; // the calls go out again on the next connection
        socket.cork();
        for (const part of outbox.parts) socket.write(part);
        socket.uncork();
      });
    }
    this.outbox.parts.push(...parts);
  }

  private connected(): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= (
      this.options.privilegedPort ? this.connectFromReservedPort() : this.connectFrom(undefined)
    ).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Tries reserved source ports from a random one downwards (wrapping once round the range)
   * until one is free: a port in use here, or in TIME_WAIT towards this server, moves on.
   */
  private async connectFromReservedPort(): Promise<net.Socket> {
    const { highest, lowest } = PRIVILEGED_PORTS;
    const span = highest - lowest + 1;
    const first = randomInt(0, span);
    for (let i = 0; i < span; i++) {
      const port = highest - ((first + i) % span);
      try {
        return await this.connectFrom(port);
      } catch (error) {
        const code = (error as { errno?: string }).errno;
        if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') continue;
        if (code === 'EACCES' || code === 'EPERM') {
          throw new RpcConnectionError(
            'unreachable',
            `Cannot connect to ${this.where} from a privileged port (below 1024): that needs root; or export with "insecure" on the server`,
          );
        }
        throw error;
      }
    }
    throw new RpcConnectionError(
      'unreachable',
      `Cannot connect to ${this.where}: every privileged source port (${lowest}-${highest}) is in use`,
    );
  }

  private connectFrom(localPort: number | undefined): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const reader = new RecordReader(
        this.options.maxRecordBytes ?? 4 * 1024 * 1024,
        this.options.replyPool,
      );
      // Reads land in one buffer of this connection's instead of a new one per read, or, for
      // the body of a large reply (a READ's data), straight into that reply's own buffer: the
      // function is asked before every read where the next one goes.
      const scratch = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      const socket = net.connect({
        host: this.options.host,
        port: this.options.port,
        localPort,
        onread: {
          buffer: () =>
            reader.readTarget() ?? scratch.subarray(0, reader.scratchBytes(scratch.length)),
          callback: (bytes: number, buffer: Uint8Array) => {
            this.receive(socket, reader, buffer.subarray(0, bytes));
            return true;
          },
        },
      });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.socket = socket;
        this.everConnected = true;
        this.lastConnectError = '';
        resolve(socket);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (this.socket !== socket) {
          reject(
            Object.assign(
              new RpcConnectionError(
                'unreachable',
                `Cannot reach ${this.where}: ${error.code ?? error.message}`,
              ),
              { errno: error.code },
            ),
          );
        }
      });
      socket.once('close', () => this.lost(socket));
    });
  }

  private receive(socket: net.Socket, reader: RecordReader, data: Uint8Array): void {
    let records: Buffer[];
    try {
      records = reader.push(data);
    } catch (error) {
      // The stream cannot be resynchronised: drop it, and fail the calls it carried.
      this.failAll(error as Error);
      socket.destroy();
      return;
    }
    for (const record of records) {
      const xid = xidOf(record);
      const entry = xid === null ? undefined : this.pending.get(xid);
      if (!entry) continue; // a late reply to a call that timed out or was cancelled
      try {
        entry.resolve(readReply(record).results);
      } catch (error) {
        entry.reject(error instanceof Error ? error : new XdrError(String(error)));
      }
    }
  }

  /**
   * The connection dropped: calls still waiting go out again, same xids, on a new one. The
   * first time at once (a server restarting, a failover); a call whose connections keep
   * dropping waits longer each time (up to 2 s), so a server that hangs up on every call is
   * not answered with a new connection every millisecond until the call's limit.
   */
  private lost(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.closed) return;
    for (const [xid, entry] of this.pending) {
      if (entry.attempts <= 1) void this.send(xid);
      else setTimeout(() => void this.send(xid), Math.min(2000, 50 * 2 ** entry.attempts)).unref();
    }
  }

  private failAll(error: Error): void {
    for (const entry of [...this.pending.values()]) entry.reject(error);
  }
}
