import { afterEach, describe, expect, it } from 'vitest';
import { NtlmError } from '../../../src-main/protocols/smb2/ntlm';
import { Smb2Client } from '../../../src-main/protocols/smb2/smb2-client';
import type { OpenFile, Smb2Share } from '../../../src-main/protocols/smb2/smb2-files';
import { Command, Smb2FormatError } from '../../../src-main/protocols/smb2/smb2-header';
import { FileInfoClass, parseDirectoryEntries } from '../../../src-main/protocols/smb2/smb2-info';
import { DIALECTS, type DialectCode } from '../../../src-main/protocols/smb2/smb2-negotiate';
import { Smb2AuthError } from '../../../src-main/protocols/smb2/smb2-session';
import { Smb2StatusError, Status } from '../../../src-main/protocols/smb2/smb2-status';
import {
  Smb2ConnectionError,
  Smb2Transport,
} from '../../../src-main/protocols/smb2/smb2-transport';
import { SpnegoError, spnegoResponseToken } from '../../../src-main/protocols/smb2/spnego';
import {
  frameAnswer,
  negotiateBody,
  ntlmChallenge,
  scriptedSmb2,
  sessionSetupBody,
  SCRIPTED_USER,
  type ScriptedSmb2,
  type SmbReaction,
  type SmbScript,
} from '../../support/scripted-smb2';

/*
 * The SMB 2/3 client fed malformed, truncated and oversized answers by a scripted server on
 * 127.0.0.1 (test/support/scripted-smb2.ts: a real NTLM logon and signed answers, then whatever
 * the script crafts). Every case must end in one of the client's typed errors (Smb2FormatError,
 * Smb2StatusError, Smb2ConnectionError, Smb2AuthError, SpnegoError, NtlmError), promptly: never
 * a RangeError from reading past a buffer, a hang, or memory sized by what a server claims.
 * What smb2-transport.test.ts (framing, time limits, CANCEL) and smb2-info.test.ts (directory
 * entry chains) already cover is not repeated here; random bytes are in smb2-malformed-fuzz.
 */

const MiB = 1024 * 1024;
let servers: ScriptedSmb2[] = [];
let clients: Smb2Client[] = [];
let transports: Smb2Transport[] = [];
afterEach(async () => {
  for (const t of transports) t.close();
  for (const c of clients) c.transport.close();
  for (const s of servers) await s.close();
  [servers, clients, transports] = [[], [], []];
});

/** What `p` rejects with, within `ms` (a hang fails the test instead of stalling it). */
async function failure(p: Promise<unknown>, ms = 10_000): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, guard]);
  } catch (error) {
    if ((error as Error).message === `still pending after ${ms} ms`) throw error;
    return error as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a failure, got a result');
}

async function serve(script?: SmbScript): Promise<ScriptedSmb2> {
  const server = await scriptedSmb2(script);
  servers.push(server);
  return server;
}

function connect(server: ScriptedSmb2, dialect?: DialectCode): Promise<Smb2Client> {
  const connecting = Smb2Client.connect({
    host: '127.0.0.1',
    port: server.port,
    credentials: SCRIPTED_USER,
    dialect,
    timeoutMs: 5000,
  });
  void connecting.then((c) => clients.push(c)).catch(() => undefined);
  return connecting;
}

async function shareOn(server: ScriptedSmb2): Promise<Smb2Share> {
  return (await connect(server)).share('data');
}

const FILE: OpenFile = {
  id: Buffer.alloc(16, 0x11),
  action: 1,
  creationTime: 0n,
  lastAccessTime: 0n,
  lastWriteTime: 0n,
  changeTime: 0n,
  endOfFile: 0n,
  attributes: 0,
};

/** A READ response body (2.2.20): DataOffset, DataLength, then `data` after the 16 fixed bytes. */
function readBody(data: Buffer, dataOffset = 80, dataLength = data.length): Buffer {
  const body = Buffer.alloc(16 + data.length);
  body.writeUInt16LE(17, 0);
  body.writeUInt8(dataOffset, 2);
  body.writeUInt32LE(dataLength, 4);
  data.copy(body, 16);
  return body;
}

/** A QUERY_DIRECTORY / QUERY_INFO response body: OutputBufferOffset, Length, the output at 72. */
function outputBody(output: Buffer, offset = 72, length = output.length): Buffer {
  const body = Buffer.alloc(8 + output.length);
  body.writeUInt16LE(9, 0);
  body.writeUInt16LE(offset, 2);
  body.writeUInt32LE(length, 4);
  output.copy(body, 8);
  return body;
}

/** One FileIdBothDirectoryInformation entry (MS-FSCC 2.4.17), NextEntryOffset 0. */
function directoryEntry(name: string, nameLength?: number): Buffer {
  const encoded = Buffer.from(name, 'utf16le');
  const entry = Buffer.alloc(104 + encoded.length);
  entry.writeUInt32LE(0x20, 56); // ARCHIVE
  entry.writeUInt32LE(nameLength ?? encoded.length, 60);
  encoded.copy(entry, 104);
  return entry;
}

describe('SMB2 framing: oversized and truncated frames', () => {
  it('keeps memory to what arrived for a 16 MiB length claim followed by 10 bytes, and fails with closed when the server goes', async () => {
    const server = await serve((request) =>
      request.command === Command.ECHO
        ? Buffer.concat([Buffer.from([0, 0xff, 0xff, 0xff]), Buffer.alloc(10, 0xfe)])
        : undefined,
    );
    const transport = await Smb2Transport.connect('127.0.0.1', server.port);
    transports.push(transport);
    const before = process.memoryUsage().arrayBuffers;
    const echo = transport.request(Command.ECHO, Buffer.from([4, 0, 0, 0]), { timeoutMs: 1000 });
    // The limit fires with the frame still open: nothing completed it.
    expect(await failure(echo)).toMatchObject({ name: 'Smb2ConnectionError', reason: 'timeout' });
    // 16 MiB allocated up front for the claim would show here (the frame is still held).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MiB);
    const second = transport.request(Command.ECHO, Buffer.from([4, 0, 0, 0]));
    await server.close();
    // It waited for a credit the unanswered request never brought back; the close ends that.
    const closed = await failure(second);
    expect(closed).toBeInstanceOf(Smb2ConnectionError);
    expect(closed).toMatchObject({ reason: 'closed' });
    expect(closed.message).toContain(`127.0.0.1:${server.port}`);
    expect(transport.isClosed).toBe(true);
  });

  it('fails at once, naming the server, when an answer is cut short and the connection closed', async () => {
    const server = await serve((request) =>
      request.command === Command.READ
        ? { body: readBody(Buffer.alloc(4096, 1)), truncateTo: 100 }
        : undefined,
    );
    const share = await shareOn(server);
    const started = Date.now();
    const error = await failure(share.read(FILE, 0n, 4096));
    expect(error).toBeInstanceOf(Smb2ConnectionError);
    expect(error).toMatchObject({ reason: 'closed' });
    expect(error.message).toBe(`127.0.0.1:${server.port} closed the connection`);
    // Well within the 5 s request limit: the close, not the limit, ended it.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('refuses a message whose header StructureSize is not 64, and every request in flight fails', async () => {
    const server = await serve((request) => {
      if (request.command !== Command.READ) return undefined;
      const framed = frameAnswer(request, { body: readBody(Buffer.alloc(8)) }, null);
      framed.writeUInt16LE(63, 4 + 4);
      return framed;
    });
    const share = await shareOn(server);
    const error = await failure(share.read(FILE, 0n, 8));
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toMatch(/protocol id or header size/);
  });

  it('ignores an answer to a MessageId never sent (credits and all), and still resolves the real one', async () => {
    const server = await serve((request) => {
      if (request.command !== Command.READ) return undefined;
      return [
        { messageId: 0xdead_beefn, body: readBody(Buffer.from('forged')) },
        { messageId: request.messageId + 1000n, body: readBody(Buffer.from('forged')) },
        { body: readBody(Buffer.from('genuine')) },
      ];
    });
    const share = await shareOn(server);
    expect((await share.read(FILE, 0n, 64)).toString()).toBe('genuine');
  });

  it('fails a request whose only answers carry other MessageIds at its time limit, and a cancel sends CANCEL', async () => {
    const server = await serve((request) =>
      request.command === Command.READ
        ? { messageId: request.messageId + 77n, body: readBody(Buffer.from('stray')) }
        : undefined,
    );
    const client = await connect(server);
    const share = await client.share('data');
    const timedOut = await failure(
      client.transport.request(Command.READ, Buffer.alloc(49), {
        timeoutMs: 300,
        sessionId: client.session.id,
      }),
    );
    expect(timedOut).toMatchObject({ reason: 'timeout' });
    const controller = new AbortController();
    const reading = share.read(FILE, 0n, 64, controller.signal);
    const reads = () => server.requests.filter((r) => r.command === Command.READ).length;
    await expect.poll(reads).toBe(2);
    controller.abort();
    expect(await failure(reading)).toMatchObject({ reason: 'cancelled' });
    await expect.poll(() => server.requests.at(-1)?.command).toBe(Command.CANCEL);
    // The connection is still good for the next request.
    expect(client.transport.isClosed).toBe(false);
  });
});

describe('SMB2 NEGOTIATE answers', () => {
  const negotiateWith = (body: Buffer, status: number = Status.SUCCESS) =>
    serve((request) =>
      request.command === Command.NEGOTIATE ? { body, status, sign: 'none' } : undefined,
    );

  it.each([
    [
      'a security buffer past the end',
      negotiateBody({ securityOffset: 128, securityLength: 4000 }),
      /security buffer/,
    ],
    [
      'a security buffer inside nothing (offset 65535)',
      negotiateBody({ securityOffset: 65535, securityLength: 1 }),
      /security buffer/,
    ],
    [
      'a dialect we did not offer (the 2.??? wildcard)',
      negotiateBody({ dialect: 0x02ff }),
      /dialect 0x2ff, which we did not offer/,
    ],
    ['a body shorter than its fixed part', Buffer.alloc(30), /Malformed NEGOTIATE/],
    [
      'MaxReadSize 0 (reads of 0 bytes for ever)',
      negotiateBody({ maxRead: 0 }),
      /maxReadSize of 0 bytes/,
    ],
    ['MaxWriteSize 1', negotiateBody({ maxWrite: 1 }), /maxWriteSize of 1 bytes/],
    ['MaxTransactSize 0', negotiateBody({ maxTransact: 0 }), /maxTransactSize of 0 bytes/],
    [
      '3.1.1 with 65535 negotiate contexts in 64 bytes',
      negotiateBody({
        dialect: DIALECTS.SMB311,
        contextCount: 65535,
        contextOffset: 128,
        extra: Buffer.alloc(64),
      }),
      /negotiate context/,
    ],
    [
      '3.1.1 with a context offset past the end',
      negotiateBody({ dialect: DIALECTS.SMB311, contextCount: 1, contextOffset: 0xfffffff0 }),
      /negotiate context/,
    ],
    [
      '3.1.1 with a context whose data length runs past the end',
      negotiateBody({
        dialect: DIALECTS.SMB311,
        contextCount: 1,
        contextOffset: 128,
        extra: Buffer.from([2, 0, 0xff, 0xff, 0, 0, 0, 0]),
      }),
      /negotiate context data/,
    ],
  ])('refuses %s with Smb2FormatError', async (_what, body, message) => {
    const server = await negotiateWith(body);
    const error = await failure(connect(server));
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toMatch(message);
    // Nothing was sent after the bad answer: no logon on a connection we cannot trust.
    expect(server.requests.map((r) => r.command)).toEqual([Command.NEGOTIATE]);
  });

  it('refuses 3.1.1 when only 2.1 was offered (a pinned dialect)', async () => {
    const server = await negotiateWith(negotiateBody({ dialect: DIALECTS.SMB311 }));
    const error = await failure(connect(server, DIALECTS.SMB21));
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toMatch(/dialect 0x311, which we did not offer/);
  });

  it('names the status of a refused NEGOTIATE and the server', async () => {
    const server = await negotiateWith(Buffer.alloc(9), Status.NOT_SUPPORTED);
    const error = await failure(connect(server));
    expect(error).toBeInstanceOf(Smb2StatusError);
    expect(error.message).toBe(`NEGOTIATE with 127.0.0.1:${server.port}: STATUS_NOT_SUPPORTED`);
  });
});

describe('SMB2 SESSION_SETUP answers', () => {
  /** The first leg answered with `body` (MORE_PROCESSING_REQUIRED) instead of the challenge. */
  const challengeWith = (body: Buffer) =>
    serve((request) =>
      request.command === Command.SESSION_SETUP && request.sessionId === 0n
        ? { status: Status.MORE_PROCESSING_REQUIRED, sessionId: 0x55n, body, sign: 'none' }
        : undefined,
    );
  const spnegoWith = (token: Buffer) => sessionSetupBody(token);
  const challenge = ntlmChallenge();
  const withTargetInfo = (length: number): Buffer => {
    const c = Buffer.from(challenge);
    c.writeUInt16LE(length, 40);
    return c;
  };

  it.each([
    [
      'a body of 4 bytes',
      Buffer.from([9, 0, 0, 0]),
      Smb2FormatError,
      /SESSION_SETUP answer: too short/,
    ],
    [
      'a security buffer past the end',
      (() => {
        const b = sessionSetupBody(Buffer.alloc(8));
        b.writeUInt16LE(5000, 6);
        return b;
      })(),
      Smb2FormatError,
      /SESSION_SETUP security buffer/,
    ],
    [
      'SPNEGO whose outer length runs past the buffer',
      spnegoWith(Buffer.from([0xa1, 0x82, 0x40, 0x00, 0x30])),
      SpnegoError,
      /Truncated SPNEGO/,
    ],
    [
      'SPNEGO with an indefinite (BER) length',
      spnegoWith(Buffer.from([0xa1, 0x80, 0x30, 0x00])),
      SpnegoError,
      /length form/,
    ],
    [
      'SPNEGO that is not SPNEGO',
      spnegoWith(Buffer.from([0x04, 0x02, 0x41, 0x42])),
      SpnegoError,
      /Not SPNEGO/,
    ],
    [
      'an NTLM challenge cut to 20 bytes',
      spnegoWith(spnegoResponseToken(challenge.subarray(0, 20))),
      NtlmError,
      /at least 48 needed/,
    ],
    [
      'an NTLM TargetInfo longer than the message',
      spnegoWith(spnegoResponseToken(withTargetInfo(0xfff0))),
      NtlmError,
      /TargetInfo .* past its end/,
    ],
    [
      'a negState cut short',
      spnegoWith(Buffer.from([0xa1, 0x05, 0x30, 0x03, 0xa0, 0x01, 0x00])),
      SpnegoError,
      /Truncated SPNEGO negState/,
    ],
  ])(
    'refuses %s with a typed error and closes the connection',
    async (_what, body, type, message) => {
      const server = await challengeWith(body);
      const error = await failure(connect(server));
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
      expect(server.requests.map((r) => r.command)).toEqual([
        Command.NEGOTIATE,
        Command.SESSION_SETUP,
      ]);
    },
  );

  it('says the server sent no challenge when the NegTokenResp carries none', async () => {
    const server = await challengeWith(spnegoWith(Buffer.from([0xa1, 0x02, 0x30, 0x00])));
    const error = await failure(connect(server));
    expect(error).toBeInstanceOf(Smb2AuthError);
    expect(error.message).toBe(`127.0.0.1:${server.port} sent no NTLM challenge`);
  });

  it('refuses a final answer too short to hold its SessionFlags', async () => {
    const server = await serve((request) =>
      request.command === Command.SESSION_SETUP && request.sessionId !== 0n
        ? { body: Buffer.from([9, 0]), sign: 'none' }
        : undefined,
    );
    const error = await failure(connect(server));
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
  });

  it('refuses a final answer with a wrong signature, and a guest logon', async () => {
    const badSignature = await serve((request, server) => {
      if (request.command !== Command.SESSION_SETUP || request.sessionId === 0n) return undefined;
      return { ...server.defaultAnswer(request), sign: 'bad' };
    });
    const error = await failure(connect(badSignature));
    expect(error).toBeInstanceOf(Smb2AuthError);
    expect(error.message).toMatch(/SESSION_SETUP answer's signature is wrong/);

    const guest = await serve((request, server) => {
      if (request.command !== Command.SESSION_SETUP || request.sessionId === 0n) return undefined;
      server.defaultAnswer(request); // the key, as for a real logon
      return { body: sessionSetupBody(Buffer.alloc(0), 0x0001) };
    });
    expect(await failure(connect(guest))).toMatchObject({
      name: 'Smb2AuthError',
      message: expect.stringMatching(/as a guest/),
    });
  });
});

describe('SMB2 answers on a signed session', () => {
  it('fails an unsigned or badly signed answer with Smb2AuthError, that request only', async () => {
    let next: 'none' | 'bad' | 'good' = 'none';
    const server = await serve((request) =>
      request.command === Command.READ
        ? { body: readBody(Buffer.from('data')), sign: next }
        : undefined,
    );
    const share = await shareOn(server);
    const unsigned = await failure(share.read(FILE, 0n, 4));
    expect(unsigned).toBeInstanceOf(Smb2AuthError);
    expect(unsigned.message).toBe(`127.0.0.1:${server.port} answered unsigned on a signed session`);
    next = 'bad';
    const tampered = await failure(share.read(FILE, 0n, 4));
    expect(tampered.message).toMatch(/an answer's signature is wrong \(tampered with\?\)/);
    next = 'good';
    expect((await share.read(FILE, 0n, 4)).toString()).toBe('data');
  });

  it('refuses a TREE_CONNECT answer too short for its fields', async () => {
    const server = await serve((request) =>
      request.command === Command.TREE_CONNECT ? { body: Buffer.from([16, 0, 1, 0]) } : undefined,
    );
    const client = await connect(server);
    const error = await failure(client.share('data'));
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toContain('\\\\127.0.0.1\\data');
  });
});

describe('SMB2 file answers with offsets and lengths outside the message', () => {
  /** A share whose server answers `command` with what `answer` gives. */
  const shareAnswering = async (command: number, answer: () => SmbReaction) =>
    shareOn(await serve((request) => (request.command === command ? answer() : undefined)));

  it.each([
    [
      'DataLength past the end of the message',
      readBody(Buffer.alloc(16), 80, 4096),
      Smb2FormatError,
      /READ data: 4096 bytes at 80 of 96/,
    ],
    [
      'DataOffset past the end of the message',
      readBody(Buffer.alloc(16), 250, 16),
      Smb2FormatError,
      /READ data: 16 bytes at 250/,
    ],
    [
      'DataOffset inside the header (the header handed out as file data)',
      readBody(Buffer.alloc(16), 8, 16),
      Smb2FormatError,
      /data at offset 8/,
    ],
    [
      'a body of 6 bytes',
      Buffer.from([17, 0, 80, 0, 9, 0]),
      Smb2FormatError,
      /READ answer: 6 bytes, at least 16/,
    ],
    [
      'more bytes than asked (9000 for 8192)',
      readBody(Buffer.alloc(9000), 80),
      // A format error, never a status the server did not send.
      Smb2FormatError,
      /READ answer: 9000 bytes, 8192 asked/,
    ],
  ])('READ: refuses %s', async (_what, body, type, message) => {
    const share = await shareAnswering(Command.READ, () => ({ body }));
    const error = await failure(share.read(FILE, 0n, 8192));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
  });

  it('CREATE: refuses an answer shorter than its 88 fixed bytes, naming the file', async () => {
    const share = await shareAnswering(Command.CREATE, () => ({ body: Buffer.alloc(40) }));
    const error = await failure(share.create('dir\\file.txt', { access: 1, disposition: 1 }));
    // A format error, never a status the server did not send (it answered SUCCESS).
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toBe(
      'Malformed CREATE \\\\127.0.0.1\\data\\dir\\file.txt answer: 40 bytes, at least 88 needed',
    );
  });

  it('WRITE: refuses a count larger than what was sent, and a body too short to hold one', async () => {
    let count = 1_000_000;
    const share = await shareAnswering(Command.WRITE, () => {
      if (count < 0) return { body: Buffer.from([17, 0]) };
      const body = Buffer.alloc(16);
      body.writeUInt16LE(17, 0);
      body.writeUInt32LE(count, 4);
      return { body };
    });
    const tooMany = await failure(share.write(FILE, 0n, Buffer.alloc(10)));
    expect(tooMany).toBeInstanceOf(Smb2FormatError);
    expect(tooMany.message).toBe('Malformed WRITE answer: 1000000 bytes written of 10 sent');
    count = -1;
    expect(await failure(share.write(FILE, 0n, Buffer.alloc(10)))).toBeInstanceOf(Smb2FormatError);
    count = 10;
    expect(await share.write(FILE, 0n, Buffer.alloc(10))).toBe(10);
  });

  it('QUERY_INFO: refuses an output outside the message and a body too short to say where it is', async () => {
    let body = outputBody(Buffer.alloc(8), 72, 1 << 20);
    const share = await shareAnswering(Command.QUERY_INFO, () => ({ body }));
    const outside = await failure(share.queryInfo(FILE, 1, 34));
    expect(outside).toBeInstanceOf(Smb2FormatError);
    expect(outside.message).toMatch(/QUERY_INFO output: 1048576 bytes at 72/);
    body = Buffer.from([9, 0, 72]);
    expect(await failure(share.queryInfo(FILE, 1, 34))).toBeInstanceOf(Smb2FormatError);
  });

  async function listing(batches: Buffer[]): Promise<{ error: Error; asked: number }> {
    let asked = 0;
    const share = await shareAnswering(Command.QUERY_DIRECTORY, () => {
      const batch = batches[Math.min(asked++, batches.length - 1)] as Buffer;
      return { body: outputBody(batch) };
    });
    const read = (async () => {
      for await (const batch of share.queryDirectory(
        FILE,
        FileInfoClass.FileIdBothDirectoryInformation,
      )) {
        parseDirectoryEntries(batch, FileInfoClass.FileIdBothDirectoryInformation);
      }
    })();
    return { error: await failure(read), asked };
  }

  it('QUERY_DIRECTORY: ends a listing whose server answers the same batch for ever', async () => {
    const { error, asked } = await listing([directoryEntry('a.txt')]);
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toBe(
      'QUERY_DIRECTORY on \\\\127.0.0.1\\data: the server answered the same batch twice instead of STATUS_NO_MORE_FILES',
    );
    expect(asked).toBe(2);
  });

  it('QUERY_DIRECTORY: ends a listing answered with empty batches instead of NO_MORE_FILES', async () => {
    const { error, asked } = await listing([directoryEntry('a.txt'), Buffer.alloc(0)]);
    expect(error.message).toMatch(/an empty batch instead of STATUS_NO_MORE_FILES/);
    expect(asked).toBe(2);
  });

  it('QUERY_DIRECTORY: refuses a FileNameLength beyond the entry and an output past the message', async () => {
    const { error } = await listing([directoryEntry('a.txt', 5000)]);
    expect(error).toBeInstanceOf(Smb2FormatError);
    expect(error.message).toMatch(/directory entry name/);
    const share = await shareAnswering(Command.QUERY_DIRECTORY, () => ({
      body: outputBody(directoryEntry('b'), 72, 0x7fffffff),
    }));
    const iterator = share.queryDirectory(FILE, FileInfoClass.FileIdBothDirectoryInformation);
    expect(await failure(iterator.next())).toBeInstanceOf(Smb2FormatError);
  });
});
