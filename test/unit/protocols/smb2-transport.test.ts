import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Command, Flags, type Smb2Header } from '../../../src-main/protocols/smb2/smb2-header';
import { Status } from '../../../src-main/protocols/smb2/smb2-status';
import {
  Smb2ConnectionError,
  Smb2Transport,
  type MessageSecurity,
} from '../../../src-main/protocols/smb2/smb2-transport';

/*
 * Smb2Transport against a scripted SMB2 peer on 127.0.0.1: the peer splits the client's Direct
 * TCP stream into messages, reads their headers by hand (offsets of MS-SMB2 2.2.1, not through
 * readHeader) and answers hand-built bytes. Covers routing by MessageId, message ids and
 * credits, interim STATUS_PENDING, CANCEL, time limits, broken streams and the security hooks.
 */

interface Msg {
  zero: number; // the first byte of the Direct TCP header
  command: number;
  flags: number;
  creditCharge: number;
  creditRequest: number;
  messageId: bigint;
  asyncId: bigint;
  sessionId: bigint;
  signature: Buffer;
  body: Buffer;
}
type Script = (msg: Msg, socket: net.Socket) => void;

let servers: net.Server[] = [];
let sockets: net.Socket[] = [];
let transports: Smb2Transport[] = [];
afterEach(async () => {
  for (const t of transports) t.close();
  for (const s of sockets) s.destroy();
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  [servers, sockets, transports] = [[], [], []];
});

async function peer(script: Script): Promise<{ port: number; received: Msg[] }> {
  const received: Msg[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let stream = Buffer.alloc(0);
    socket.on('data', (data) => {
      stream = Buffer.concat([stream, data]);
      while (stream.length >= 4 && stream.length >= 4 + stream.readUIntBE(1, 3)) {
        const raw = stream.subarray(4, 4 + stream.readUIntBE(1, 3));
        const flags = raw.readUInt32LE(16);
        const msg: Msg = {
          zero: stream[0] ?? -1,
          command: raw.readUInt16LE(12),
          flags,
          creditCharge: raw.readUInt16LE(6),
          creditRequest: raw.readUInt16LE(14),
          messageId: raw.readBigUInt64LE(24),
          asyncId: flags & Flags.ASYNC_COMMAND ? raw.readBigUInt64LE(32) : -1n,
          sessionId: raw.readBigUInt64LE(40),
          signature: raw.subarray(48, 64),
          body: raw.subarray(64),
        };
        stream = stream.subarray(4 + raw.length);
        received.push(msg);
        script(msg, socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received };
}

function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(message.length);
  return Buffer.concat([head, message]);
}

interface AnswerOptions {
  status?: number;
  credits?: number;
  asyncId?: bigint; // sets SMB2_FLAGS_ASYNC_COMMAND
  body?: Buffer;
  protocolId?: number;
}

/** A framed response to `to` (same MessageId, command and SessionId). */
function answer(to: Msg, o: AnswerOptions = {}): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(o.protocolId ?? 0x424d53fe, 0);
  h.writeUInt16LE(64, 4);
  h.writeUInt32LE(o.status ?? Status.SUCCESS, 8);
  h.writeUInt16LE(to.command, 12);
  h.writeUInt16LE(o.credits ?? 8, 14);
  const async = o.asyncId !== undefined;
  h.writeUInt32LE(Flags.SERVER_TO_REDIR | (async ? Flags.ASYNC_COMMAND : 0), 16);
  h.writeBigUInt64LE(to.messageId, 24);
  if (async) h.writeBigUInt64LE(o.asyncId ?? 0n, 32);
  h.writeBigUInt64LE(to.sessionId, 40);
  return frame(Buffer.concat([h, o.body ?? Buffer.from([4, 0, 0, 0])]));
}
const reply = (socket: net.Socket, to: Msg, o?: AnswerOptions) => void socket.write(answer(to, o));

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2000) throw new Error('condition not met within 2 s');
    await tick(5);
  }
}
/** `p`, or a rejection 'still pending' when it has not settled within `ms`. */
function soon<T>(p: Promise<T>, ms = 500): Promise<T> {
  const late = tick(ms).then((): never => {
    throw new Error(`still pending after ${ms} ms`);
  });
  return Promise.race([p, late]);
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
async function connect(port: number): Promise<Smb2Transport> {
  const transport = await Smb2Transport.connect('127.0.0.1', port);
  transports.push(transport);
  return transport;
}
const u32 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, 0, 0]);
const echo = Buffer.from([4, 0, 0, 0]);

describe('Smb2Transport', () => {
  it('routes 20 requests in flight by MessageId, answered in reverse one byte at a time', async () => {
    const held: Msg[] = [];
    const server = await peer((msg, socket) => {
      if (msg.messageId === 0n) return reply(socket, msg, { credits: 64 });
      held.push(msg);
      if (held.length < 20) return;
      const all = Buffer.concat(
        held.reverse().map((m) => answer(m, { body: Buffer.concat([m.body, m.body]) })),
      );
      for (let i = 0; i < all.length; i++) socket.write(all.subarray(i, i + 1));
    });
    const t = await connect(server.port);
    await t.request(Command.ECHO, echo);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.request(Command.READ, u32(i))),
    );
    results.forEach((r, i) => {
      expect(r.header.messageId).toBe(BigInt(i + 1));
      expect(r.body).toEqual(Buffer.concat([u32(i), u32(i)]));
      expect(r.message.length).toBe(64 + 8);
    });
    // Direct TCP on the wire: a zero byte, then the 24-bit length the peer split by.
    expect(server.received.map((m) => m.zero)).toEqual(new Array(21).fill(0));
    expect(server.received.map((m) => m.command)).toEqual([Command.ECHO, ...Array(20).fill(8)]);
  });

  it('spends one message id per credit charged, and puts CreditCharge and CreditRequest on the wire', async () => {
    const server = await peer((msg, socket) => reply(socket, msg, { credits: 10 }));
    const t = await connect(server.port);
    const first = await t.request(Command.ECHO, echo);
    const large = await t.request(Command.READ, u32(1), { creditCharge: 3 });
    const next = await t.request(Command.WRITE, u32(2));
    expect([first, large, next].map((r) => r.header.messageId)).toEqual([0n, 1n, 4n]);
    expect(server.received.map((m) => m.messageId)).toEqual([0n, 1n, 4n]);
    expect(server.received.map((m) => m.creditCharge)).toEqual([1, 3, 1]);
    // What it costs and 256 more: the pool grows to the server's limit.
    expect(server.received.map((m) => m.creditRequest)).toEqual([257, 259, 257]);
    expect(server.received.map((m) => m.command)).toEqual([Command.ECHO, 8, 9]);
  });

  it('holds a request back while no credit is left, until an answer grants more', async () => {
    let heldSocket: net.Socket | null = null;
    let held: Msg | null = null;
    const server = await peer((msg, socket) => {
      if (msg.messageId === 0n) reply(socket, msg, { credits: 2 });
      else if (msg.messageId === 1n) reply(socket, msg, { credits: 0 });
      else if (msg.messageId === 2n) [heldSocket, held] = [socket, msg];
      else reply(socket, msg, { credits: 1 });
    });
    const t = await connect(server.port);
    await t.request(Command.ECHO, echo); // 1 - 1 + 2 = 2 credits
    const second = t.request(Command.ECHO, echo);
    const third = t.request(Command.ECHO, echo); // 0 credits left
    await second; // grants none
    const fourth = t.request(Command.ECHO, u32(4));
    await tick(150);
    expect(server.received.map((m) => m.messageId)).toEqual([0n, 1n, 2n]);
    reply(heldSocket as unknown as net.Socket, held as unknown as Msg, { credits: 1 });
    await third;
    expect((await soon(fourth)).header.messageId).toBe(3n);
    expect(server.received.at(-1)?.body).toEqual(u32(4));
  });

  it('is not answered by an interim STATUS_PENDING, restarts its time limit on it, and resolves with the final answer', async () => {
    const server = await peer((msg, socket) => {
      const asyncId = 0x1234_5678_9abcn;
      setTimeout(() => reply(socket, msg, { status: Status.PENDING, asyncId }), 400);
      const body = Buffer.from('final answer');
      setTimeout(() => reply(socket, msg, { asyncId, body }), 850);
    });
    const t = await connect(server.port);
    let settled = false;
    const request = t.request(Command.CHANGE_NOTIFY, echo, { timeoutMs: 600 });
    void request.finally(() => (settled = true)).catch(() => undefined);
    await tick(500);
    expect(settled).toBe(false); // the interim arrived at 400 ms and did not answer it
    const response = await request; // the 600 ms limit, unrestarted, would have fired at 600
    expect(response.header.status).toBe(Status.SUCCESS);
    expect(response.header.asyncId).toBe(0x1234_5678_9abcn);
    expect(response.body.toString()).toBe('final answer');
  });

  it('cancels after an interim with a CANCEL naming the AsyncId, rejects at once, ignores the late answer', async () => {
    let first: Msg | null = null;
    const server = await peer((msg, socket) => {
      if (msg.command === Command.CANCEL && first) {
        reply(socket, first, { status: Status.CANCELLED, asyncId: 0x77n }); // late final
      } else if (msg.messageId === 0n) {
        first = msg;
        reply(socket, msg, { status: Status.PENDING, asyncId: 0x77n, credits: 1 });
      } else reply(socket, msg, { credits: 1, body: u32(Number(msg.messageId)) });
    });
    const t = await connect(server.port);
    const controller = new AbortController();
    const pending = failure(
      t.request(Command.CHANGE_NOTIFY, echo, { signal: controller.signal, sessionId: 9n }),
    );
    // Only the interim grants the credit this one needs: when it resolves, the interim was read.
    await t.request(Command.ECHO, echo);
    controller.abort();
    const error = await soon(pending, 100);
    expect(error).toBeInstanceOf(Smb2ConnectionError);
    expect(error).toMatchObject({ reason: 'cancelled' });
    await until(() => server.received.some((m) => m.command === Command.CANCEL));
    const cancel = server.received.find((m) => m.command === Command.CANCEL);
    expect((cancel?.flags ?? -1) & Flags.ASYNC_COMMAND).toBe(Flags.ASYNC_COMMAND);
    expect(cancel?.asyncId).toBe(0x77n);
    expect(cancel?.sessionId).toBe(9n);
    expect(cancel?.creditCharge).toBe(0);
    // The late CANCELLED answer came before this one's: the connection still works.
    const after = await t.request(Command.ECHO, echo);
    expect(after.body).toEqual(u32(2));
    expect(t.isClosed).toBe(false);
  });

  it('cancels a request not yet answered with a CANCEL carrying its MessageId', async () => {
    const server = await peer((msg, socket) => {
      if (msg.messageId === 0n) reply(socket, msg, { credits: 4 });
    });
    const t = await connect(server.port);
    await t.request(Command.ECHO, echo);
    const controller = new AbortController();
    const pending = failure(t.request(Command.READ, echo, { signal: controller.signal }));
    await until(() => server.received.length === 2);
    controller.abort();
    expect(await soon(pending, 100)).toMatchObject({ reason: 'cancelled' });
    await until(() => server.received.length === 3);
    const cancel = server.received[2];
    expect(cancel?.command).toBe(Command.CANCEL);
    expect(cancel?.messageId).toBe(1n);
    expect((cancel?.flags ?? -1) & Flags.ASYNC_COMMAND).toBe(0);
  });

  it('fails a request that gets no answer within timeoutMs, naming host:port', async () => {
    const server = await peer(() => undefined);
    const t = await connect(server.port);
    const started = Date.now();
    const error = await failure(t.request(Command.ECHO, echo, { timeoutMs: 150 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toBeInstanceOf(Smb2ConnectionError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect((error as Error).message).toContain(`127.0.0.1:${server.port}`);
  });

  /** Two requests in flight (ids 1 and 2) when the peer sends `bytes` (or destroys its end). */
  async function inFlightWhenPeerSends(bytes: Buffer | 'destroy') {
    const server = await peer((msg, socket) => {
      if (msg.messageId === 0n) reply(socket, msg, { credits: 4 });
      else if (msg.messageId === 2n)
        void (bytes === 'destroy' ? socket.destroy() : socket.write(bytes));
    });
    const t = await connect(server.port);
    await t.request(Command.ECHO, echo);
    const errors = [1, 2].map(() => failure(t.request(Command.READ, echo)));
    return {
      t,
      port: server.port,
      received: server.received,
      errors: await soon(Promise.all(errors), 1000),
    };
  }

  it('drops the connection on a frame announcing more than the maximum size', async () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(16 * 1024 * 1024 + 4096 + 1);
    const { t, errors } = await inFlightWhenPeerSends(head);
    for (const e of errors) expect(e).toMatchObject({ reason: 'closed', message: /refused/ });
    expect(t.isClosed).toBe(true);
  });

  // A head 0x01 00 00 40 read as one 32-bit length is 16 MiB + 64 bytes, within the cap: only
  // the Direct TCP zero byte tells it is not a frame (requests used to hang until their limit).
  it('refuses a frame head whose first byte is not the Direct TCP zero', async () => {
    const { errors } = await inFlightWhenPeerSends(Buffer.from([1, 0, 0, 0x40]));
    for (const e of errors) expect(e).toMatchObject({ reason: 'closed' });
  });

  it('fails every request in flight on a message with a wrong protocol id, then refuses more', async () => {
    const bad = answer({ messageId: 1n, command: 8, sessionId: 0n } as Msg, {
      protocolId: 0x424d53ff,
    });
    const { t, errors } = await inFlightWhenPeerSends(bad);
    for (const e of errors) expect(e).toMatchObject({ name: 'Smb2FormatError' });
    expect(t.isClosed).toBe(true);
    expect(await soon(failure(t.request(Command.ECHO, echo)), 100)).toMatchObject({
      reason: 'closed',
    });
  });

  it('fails every request in flight on a message shorter than its 64-byte header', async () => {
    const short = frame(Buffer.from([0xfe, 0x53, 0x4d, 0x42, 64, 0, 1, 0, 0, 0]));
    const { errors } = await inFlightWhenPeerSends(short);
    for (const e of errors) expect(e).toMatchObject({ message: /shorter than its header/ });
  });

  it('fails every request in flight on an empty (0-byte) message', async () => {
    const { errors } = await inFlightWhenPeerSends(Buffer.alloc(4));
    for (const e of errors) expect(e).toMatchObject({ name: 'Smb2FormatError' });
  });

  it('fails requests in flight with closed when the peer goes away, and later ones at once', async () => {
    const { t, port, received, errors } = await inFlightWhenPeerSends('destroy');
    for (const e of errors) {
      expect(e).toBeInstanceOf(Smb2ConnectionError);
      expect(e).toMatchObject({
        reason: 'closed',
        message: `127.0.0.1:${port} closed the connection`,
      });
    }
    expect(t.isClosed).toBe(true);
    expect(await soon(failure(t.request(Command.ECHO, echo)), 100)).toMatchObject({
      reason: 'closed',
    });
    expect(received).toHaveLength(3); // the last one never went on the wire
  });

  it('says a port where nothing listens is unreachable, naming the address', async () => {
    const { port } = await peer(() => undefined);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const error = await failure(Smb2Transport.connect('127.0.0.1', port, 2000));
    expect(error).toBeInstanceOf(Smb2ConnectionError);
    expect(error).toMatchObject({ reason: 'unreachable' });
    expect((error as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  // An abort while a request waits for credits must end the wait (it used to hang until an
  // answer granted credits or the connection closed).
  it('rejects at once a request aborted while it waits for credits', async () => {
    const server = await peer((msg, socket) => reply(socket, msg, { credits: 0 }));
    const t = await connect(server.port);
    await t.request(Command.ECHO, echo); // no credit left
    const controller = new AbortController();
    const waiting = failure(t.request(Command.ECHO, echo, { signal: controller.signal }));
    await tick(50);
    controller.abort();
    expect(await soon(waiting, 300)).toMatchObject({ reason: 'cancelled' });
  });

  /** Security for one session that records what it sees; protect() marks the signature. */
  function recorder(failFor?: bigint) {
    const protectedMessages: Buffer[] = [];
    const checked: { messageId: bigint; encrypted: boolean; message: Buffer }[] = [];
    const security: MessageSecurity = {
      protect(message, rest = []) {
        protectedMessages.push(Buffer.concat([message, ...rest]));
        // Split in two on the wire: the peer must see one frame all the same.
        const marked = Buffer.concat([message, ...rest]).fill(0xab, 48, 64);
        return [marked.subarray(0, 10), marked.subarray(10)];
      },
      protectChain(chain) {
        return chain.flatMap(({ message, rest }) => security.protect(message, rest));
      },
      check(message, header: Smb2Header, encrypted) {
        checked.push({ messageId: header.messageId, encrypted, message });
        if (header.messageId === failFor) throw new Error('bad signature');
      },
      unwrap(frameBytes) {
        // A stand-in TRANSFORM_HEADER: 0xFD 'SMB' in front of the plain message.
        return frameBytes.readUInt32LE(0) === 0x424d53fd ? frameBytes.subarray(4) : null;
      },
    };
    return { security, protectedMessages, checked };
  }

  it('passes every outgoing message of the session, CANCEL too, through protect()', async () => {
    const server = await peer((msg, socket) => {
      if (msg.command !== Command.READ && msg.command !== Command.CANCEL) reply(socket, msg);
    });
    const t = await connect(server.port);
    const { security, protectedMessages } = recorder();
    t.security.set(7n, security);
    await t.request(Command.ECHO, echo); // session 0: as it is
    await t.request(Command.ECHO, echo, { sessionId: 7n });
    const controller = new AbortController();
    const read = failure(
      t.request(Command.READ, echo, { sessionId: 7n, signal: controller.signal }),
    );
    await until(() => server.received.length === 3);
    controller.abort();
    await read;
    await until(() => server.received.length === 4);
    expect(protectedMessages.map((m) => m.readUInt16LE(12))).toEqual([
      Command.ECHO,
      Command.READ,
      Command.CANCEL,
    ]);
    expect(protectedMessages.map((m) => m.readBigUInt64LE(40))).toEqual([7n, 7n, 7n]);
    // What protect() returned is what went on the wire.
    const signatures = server.received.map((m) => m.signature.equals(Buffer.alloc(16, 0xab)));
    expect(signatures).toEqual([false, true, true, true]);
    expect(server.received[3]?.command).toBe(Command.CANCEL);
  });

  it('checks the answers of the session; a check that throws fails that request only', async () => {
    const server = await peer((msg, socket) => {
      if (msg.messageId === 0n) reply(socket, msg);
      else if (msg.messageId === 2n) {
        reply(socket, { ...msg, messageId: 2n }, { body: u32(2) });
        reply(socket, { ...msg, messageId: 1n }, { body: u32(1) });
      }
    });
    const t = await connect(server.port);
    const { security, checked } = recorder(1n);
    t.security.set(7n, security);
    await t.request(Command.ECHO, echo); // session 0: not checked
    const failing = failure(t.request(Command.ECHO, echo, { sessionId: 7n }));
    const passing = t.request(Command.ECHO, echo, { sessionId: 7n });
    expect((await passing).body).toEqual(u32(2));
    expect(await failing).toMatchObject({ message: 'bad signature' });
    expect(checked.map((c) => [c.messageId, c.encrypted])).toEqual([
      [2n, false],
      [1n, false],
    ]);
    expect(t.isClosed).toBe(false);
  });

  it('routes the message unwrap() returns for a frame, checked as encrypted', async () => {
    const server = await peer((msg, socket) => {
      const plain = answer(msg, { body: Buffer.from('secret') }).subarray(4);
      socket.write(frame(Buffer.concat([Buffer.from([0xfd, 0x53, 0x4d, 0x42]), plain])));
    });
    const t = await connect(server.port);
    const { security, checked } = recorder();
    t.security.set(7n, security);
    const response = await t.request(Command.READ, echo, { sessionId: 7n });
    expect(response.body.toString()).toBe('secret');
    expect(response.message.readUInt32LE(0)).toBe(0x424d53fe);
    expect(response.header.sessionId).toBe(7n);
    expect(checked).toHaveLength(1);
    expect(checked[0]?.encrypted).toBe(true);
    expect(checked[0]?.message.equals(response.message)).toBe(true);
  });
});
