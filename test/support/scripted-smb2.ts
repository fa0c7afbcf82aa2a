import { createHmac } from 'node:crypto';
import net from 'node:net';
import { ntowfv2, NtlmFlag } from '../../src-main/protocols/smb2/ntlm';
import { deriveKeys, signMessage } from '../../src-main/protocols/smb2/smb2-crypto';
import { Command, Flags } from '../../src-main/protocols/smb2/smb2-header';
import { DIALECTS } from '../../src-main/protocols/smb2/smb2-negotiate';
import { Status } from '../../src-main/protocols/smb2/smb2-status';
import { spnegoResponseToken } from '../../src-main/protocols/smb2/spnego';

/*
 * A scripted SMB 2.1 server on 127.0.0.1 for tests of the client against hostile answers. It
 * speaks just enough to let Smb2Client.connect succeed: NEGOTIATE (2.1, signing enabled),
 * SESSION_SETUP with a real NTLM CHALLENGE (no KEY_EXCH, so the session key is the
 * SessionBaseKey this side can compute from the password) and TREE_CONNECT; every answer after
 * the logon is signed with HMAC-SHA256 as the client checks. A script sees every request first
 * and may answer instead, with crafted bodies, statuses, signatures, message ids or raw bytes.
 */

export const SCRIPTED_USER = { user: 'alice', password: 'wonderland', domain: 'LAB' };
const SERVER_CHALLENGE = Buffer.from('0123456789abcdef', 'hex');

/** A request as the server saw it: the header fields read at MS-SMB2 2.2.1's offsets. */
export interface SmbRequest {
  command: number;
  messageId: bigint;
  sessionId: bigint;
  treeId: number;
  flags: number;
  creditCharge: number;
  body: Buffer;
}

/** How the server answers a request (every field optional: a SUCCESS echoing the request). */
export interface SmbAnswer {
  status?: number;
  body?: Buffer;
  credits?: number;
  /** Another MessageId than the request's (an answer to something never asked). */
  messageId?: bigint;
  sessionId?: bigint;
  treeId?: number;
  /** 'good' (the default once logged on), 'none' (unsigned), 'bad' (a wrong signature). */
  sign?: 'good' | 'none' | 'bad';
  /** Bytes before the message instead of its Direct TCP length (a lying length prefix). */
  lengthPrefix?: Buffer;
  /** Send only this many bytes of the framed answer, then close the connection. */
  truncateTo?: number;
}

/**
 * What a script does with a request: an answer, raw bytes written as they are, 'close' (the
 * connection is closed), several of these in order, 'silent' (no answer, ever), or undefined
 * to let the built-in handshake answer it.
 */
type SmbStep = SmbAnswer | Buffer | 'close';
export type SmbReaction = SmbStep | SmbStep[] | 'silent' | undefined;
export type SmbScript = (request: SmbRequest, server: ScriptedSmb2) => SmbReaction;

export interface ScriptedSmb2 {
  port: number;
  /** Every request received, in order. */
  requests: SmbRequest[];
  /** The session key once the client has logged on (null before). */
  sessionKey: Buffer | null;
  /** A body for an answer to `request` as the built-in handshake would give it. */
  defaultAnswer(request: SmbRequest): SmbAnswer;
  close(): Promise<void>;
}

/** Starts a scripted server; `script` is asked first for every request. */
export async function scriptedSmb2(script: SmbScript = () => undefined): Promise<ScriptedSmb2> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let stream = Buffer.alloc(0);
    socket.on('data', (data) => {
      stream = Buffer.concat([stream, data]);
      while (stream.length >= 4 && stream.length >= 4 + stream.readUIntBE(1, 3)) {
        const frame = Buffer.from(stream.subarray(4, 4 + stream.readUIntBE(1, 3)));
        stream = stream.subarray(4 + frame.length);
        // A compound chain: each of its requests in turn, each answered in a frame of its own
        // (a server may answer a chain so, MS-SMB2 3.3.4.1.3).
        for (let at = 0; at + 64 <= frame.length;) {
          const next = frame.readUInt32LE(at + 20);
          const raw = next === 0 ? frame.subarray(at) : frame.subarray(at, at + next);
          const request = parseRequest(raw);
          state.requests.push(request);
          if (request.command !== Command.CANCEL)
            react(socket, request, script(request, state) ?? state.defaultAnswer(request));
          if (next === 0) break;
          at += next;
        }
      }
    });
  });
  const state: ScriptedSmb2 = {
    port: 0,
    requests: [],
    sessionKey: null,
    defaultAnswer: (request) => handshake(request, state),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const react = (socket: net.Socket, request: SmbRequest, reaction: SmbReaction): void => {
    if (reaction === 'silent' || reaction === undefined) return;
    for (const answer of Array.isArray(reaction) ? reaction : [reaction]) {
      if (answer === 'close') return void socket.end();
      if (Buffer.isBuffer(answer)) {
        socket.write(answer);
        continue;
      }
      const framed = frameAnswer(request, answer, state.sessionKey);
      if (answer.truncateTo !== undefined) {
        socket.end(framed.subarray(0, answer.truncateTo));
        socket.destroySoon();
        return;
      }
      socket.write(framed);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

function parseRequest(raw: Buffer): SmbRequest {
  const flags = raw.readUInt32LE(16);
  return {
    command: raw.readUInt16LE(12),
    messageId: raw.readBigUInt64LE(24),
    sessionId: raw.readBigUInt64LE(40),
    treeId: flags & Flags.ASYNC_COMMAND ? 0 : raw.readUInt32LE(36),
    flags,
    creditCharge: raw.readUInt16LE(6),
    body: raw.subarray(64),
  };
}

/** A response header + body, signed as asked, with its Direct TCP length prefix. */
export function frameAnswer(
  request: SmbRequest,
  answer: SmbAnswer,
  sessionKey: Buffer | null,
): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(0x424d53fe, 0);
  header.writeUInt16LE(64, 4);
  header.writeUInt32LE(answer.status ?? Status.SUCCESS, 8);
  header.writeUInt16LE(request.command, 12);
  header.writeUInt16LE(answer.credits ?? 64, 14);
  header.writeUInt32LE(Flags.SERVER_TO_REDIR, 16);
  header.writeBigUInt64LE(answer.messageId ?? request.messageId, 24);
  header.writeUInt32LE(answer.treeId ?? request.treeId, 36);
  header.writeBigUInt64LE(answer.sessionId ?? request.sessionId, 40);
  const message = Buffer.concat([header, answer.body ?? errorBody()]);
  const sign = answer.sign ?? (sessionKey ? 'good' : 'none');
  if (sign !== 'none' && sessionKey) {
    signMessage(
      message,
      deriveKeys(DIALECTS.SMB21, sessionKey, null, null).signingKey,
      'HMAC-SHA256',
    );
    if (sign === 'bad') message[50] = (message[50] ?? 0) ^ 0xff;
  }
  const prefix = answer.lengthPrefix ?? lengthPrefix(message.length);
  return Buffer.concat([prefix, message]);
}

/** A Direct TCP length prefix: a zero byte and 24 bits of length. */
export function lengthPrefix(length: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length);
  return head;
}

/** The ERROR response body (MS-SMB2 2.2.2): StructureSize 9, nothing else. */
export function errorBody(): Buffer {
  const body = Buffer.alloc(9);
  body.writeUInt16LE(9, 0);
  return body;
}

/** A NEGOTIATE response body (2.2.4) for `dialect`, with the sizes given. */
export function negotiateBody(
  options: {
    dialect?: number;
    maxTransact?: number;
    maxRead?: number;
    maxWrite?: number;
    securityOffset?: number;
    securityLength?: number;
    contextCount?: number;
    contextOffset?: number;
    extra?: Buffer;
  } = {},
): Buffer {
  const body = Buffer.alloc(64 + (options.extra?.length ?? 0));
  body.writeUInt16LE(65, 0);
  body.writeUInt16LE(0x0001, 2); // SecurityMode: signing enabled
  body.writeUInt16LE(options.dialect ?? DIALECTS.SMB21, 4);
  body.writeUInt16LE(options.contextCount ?? 0, 6);
  Buffer.from('scripted-smb2-sv').copy(body, 8); // ServerGuid
  body.writeUInt32LE(0x04, 24); // Capabilities: LARGE_MTU
  body.writeUInt32LE(options.maxTransact ?? 1024 * 1024, 28);
  body.writeUInt32LE(options.maxRead ?? 1024 * 1024, 32);
  body.writeUInt32LE(options.maxWrite ?? 1024 * 1024, 36);
  body.writeUInt16LE(options.securityOffset ?? 128, 56);
  body.writeUInt16LE(options.securityLength ?? 0, 58);
  body.writeUInt32LE(options.contextOffset ?? 0, 60);
  options.extra?.copy(body, 64);
  return body;
}

/** A SESSION_SETUP response body (2.2.6) carrying `token` at offset 72. */
export function sessionSetupBody(token: Buffer, sessionFlags = 0): Buffer {
  const body = Buffer.alloc(8 + token.length);
  body.writeUInt16LE(9, 0);
  body.writeUInt16LE(sessionFlags, 2);
  body.writeUInt16LE(64 + 8, 4);
  body.writeUInt16LE(token.length, 6);
  token.copy(body, 8);
  return body;
}

/** An NTLM CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) without KEY_EXCH, TargetInfo with EOL only. */
export function ntlmChallenge(): Buffer {
  const name = Buffer.from('LAB', 'utf16le');
  const info = Buffer.alloc(4); // MsvAvEOL
  const message = Buffer.alloc(56 + name.length + info.length);
  Buffer.from('NTLMSSP\0', 'latin1').copy(message, 0);
  message.writeUInt32LE(2, 8);
  message.writeUInt16LE(name.length, 12);
  message.writeUInt16LE(name.length, 14);
  message.writeUInt32LE(56, 16);
  const flags =
    NtlmFlag.UNICODE |
    NtlmFlag.REQUEST_TARGET |
    NtlmFlag.SIGN |
    NtlmFlag.NTLM |
    NtlmFlag.ALWAYS_SIGN |
    NtlmFlag.EXTENDED_SESSIONSECURITY |
    NtlmFlag.TARGET_INFO |
    NtlmFlag.N128;
  message.writeUInt32LE(flags >>> 0, 20);
  SERVER_CHALLENGE.copy(message, 24);
  message.writeUInt16LE(info.length, 40);
  message.writeUInt16LE(info.length, 42);
  message.writeUInt32LE(56 + name.length, 44);
  name.copy(message, 56);
  info.copy(message, 56 + name.length);
  return message;
}

/** A TREE_CONNECT response body (2.2.10): a disk share, full access. */
export function treeConnectBody(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(16, 0);
  body.writeUInt8(1, 2); // ShareType: DISK
  body.writeUInt32LE(0x001f01ff, 12); // MaximalAccess
  return body;
}

const SESSION_ID = 0x1122334455n;
const TREE_ID = 7;

function handshake(request: SmbRequest, state: ScriptedSmb2): SmbAnswer {
  switch (request.command) {
    case Command.NEGOTIATE:
      return { body: negotiateBody(), sign: 'none' };
    case Command.SESSION_SETUP: {
      if (request.sessionId === 0n) {
        return {
          status: Status.MORE_PROCESSING_REQUIRED,
          sessionId: SESSION_ID,
          body: sessionSetupBody(spnegoResponseToken(ntlmChallenge())),
          sign: 'none',
        };
      }
      state.sessionKey = sessionKeyOf(request.body);
      return { body: sessionSetupBody(Buffer.alloc(0)), sign: 'good' };
    }
    case Command.TREE_CONNECT:
      return { body: treeConnectBody(), treeId: TREE_ID };
    case Command.LOGOFF:
    case Command.TREE_DISCONNECT:
    case Command.ECHO:
      return { body: Buffer.from([4, 0, 0, 0]) };
    default:
      return { status: Status.NOT_SUPPORTED };
  }
}

/**
 * The NTLMv2 SessionBaseKey of the AUTHENTICATE in a SESSION_SETUP request (the session key
 * when KEY_EXCH was not granted): HMAC-MD5(NTOWFv2, NTProofStr), MS-NLMP 3.3.2.
 */
function sessionKeyOf(setupBody: Buffer): Buffer {
  const token = setupBody.subarray(setupBody.readUInt16LE(12) - 64);
  const at = token.indexOf(Buffer.from('NTLMSSP\0', 'latin1'));
  const auth = token.subarray(at);
  const ntLength = auth.readUInt16LE(20);
  const ntOffset = auth.readUInt32LE(24);
  const ntProofStr = auth.subarray(ntOffset, ntOffset + Math.min(16, ntLength));
  const key = ntowfv2(SCRIPTED_USER.password, SCRIPTED_USER.user, SCRIPTED_USER.domain);
  return createHmac('md5', key).update(ntProofStr).digest();
}
