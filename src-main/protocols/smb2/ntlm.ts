import { createHash, createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4';
import { rc4 } from './rc4';

/*
 * NTLMSSP (MS-NLMP), the client side, NTLMv2 only: NEGOTIATE out, CHALLENGE in, AUTHENTICATE
 * out with a MIC binding the three messages, plus the NTLM signature SPNEGO's mechListMIC needs.
 * NTLMv1 and LM are never offered: they fall to offline cracking, and servers refuse them by
 * default (Samba since 4.5, "ntlm auth = ntlmv2-only"). Strings are always UTF-16LE.
 */

/** A malformed or hostile NTLM message, or a server asking for what this client does not do. */
export class NtlmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmError';
  }
}

/** NegotiateFlags bits (MS-NLMP 2.2.2.5) this client uses or checks. */
export const NtlmFlag = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

/** What the NEGOTIATE message asks for; the AUTHENTICATE keeps what the CHALLENGE granted. */
const CLIENT_FLAGS = [
  // Strings in UTF-16LE: OEM strings depend on a code page the two sides may not share.
  NtlmFlag.UNICODE,
  // The server names its domain in TargetName: what to show when the user gave none.
  NtlmFlag.REQUEST_TARGET,
  // A session key fit for integrity. Windows creates the session key it exports (SMB's signing
  // key) only when SIGN or SEAL is asked, and Samba keys the SPNEGO mechListMIC exchange on it.
  NtlmFlag.SIGN,
  // Asked as Windows clients ask it: servers are best tested with Windows' flags. SMB never
  // seals with NTLM (SMB 3 encryption has keys of its own), so granting it costs nothing.
  NtlmFlag.SEAL,
  // NTLM authentication itself (MS-NLMP: MUST be set for NTLM).
  NtlmFlag.NTLM,
  // MS-NLMP 3.1.5.1.2: a session key must exist for the MIC; ALWAYS_SIGN must be set for it.
  NtlmFlag.ALWAYS_SIGN,
  // NTLM2 session security: signing keys by SIGNKEY/SEALKEY and HMAC-MD5 signatures (3.4.4.2),
  // the form of the mechListMIC; Samba will not pair NTLMv2 with anything else.
  NtlmFlag.EXTENDED_SESSIONSECURITY,
  // The server's AV pairs: the NTLMv2 response embeds them, and they carry MsvAvTimestamp.
  NtlmFlag.TARGET_INFO,
  // The 8-byte Version field, after which the MIC sits at offset 72 of the AUTHENTICATE.
  NtlmFlag.VERSION,
  // 128-bit keys for signing and sealing; 56 only as the fallback below, never 40.
  NtlmFlag.N128,
  // A fresh random session key per session, sent encrypted under the password-derived key.
  NtlmFlag.KEY_EXCH,
  // Windows asks both 56 and 128; a server that cannot do 128 then picks 56 rather than 40 bits.
  NtlmFlag.N56,
].reduce((all, flag) => (all | flag) >>> 0, 0);

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const NEGOTIATE_MESSAGE = 1;
const CHALLENGE_MESSAGE = 2;
const AUTHENTICATE_MESSAGE = 3;
/** Version (2.2.2.10): 10.0 build 19041, NTLMSSP revision 15. Servers only log it. */
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 0x0f]);
/** AV pair ids (2.2.2.1) this client looks at. */
const AV_EOL = 0;
const AV_FLAGS = 6;
const AV_TIMESTAMP = 7;
/** MsvAvFlags bit: "the client is providing a message integrity in the MIC field". */
const AV_FLAG_MIC = 0x2;
/** Where the MIC sits in the AUTHENTICATE message, and the size of its fixed part. */
const MIC_OFFSET = 72;
const AUTHENTICATE_HEADER = 88;

const hmacMd5 = (key: Uint8Array, ...data: Uint8Array[]): Buffer => {
  const hmac = createHmac('md5', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
};
const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');

/**
 * The NEGOTIATE_MESSAGE (2.2.1.1): our flags, no domain or workstation (those are sent, if at
 * all, in the AUTHENTICATE), and the Version. Keep the bytes: the MIC covers them.
 */
export function ntlmNegotiateMessage(): Buffer {
  const message = Buffer.alloc(40);
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(NEGOTIATE_MESSAGE, 8);
  message.writeUInt32LE(CLIENT_FLAGS >>> 0, 12);
  // DomainNameFields and WorkstationFields: empty, their offsets at the end of the header.
  message.writeUInt32LE(40, 20);
  message.writeUInt32LE(40, 28);
  VERSION.copy(message, 32);
  return message;
}

export interface NtlmChallenge {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  targetInfo: Buffer;
  /** MsvAvTimestamp, 8 bytes (FILETIME, little-endian); null when the server sent none. */
  timestamp: Buffer | null;
  /** The CHALLENGE_MESSAGE as received: the MIC covers these exact bytes. */
  message: Buffer;
}

interface AvPair {
  id: number;
  value: Buffer;
}

/** The AV pairs of a TargetInfo, up to MsvAvEOL. Throws NtlmError when one runs past the end. */
function parseAvPairs(targetInfo: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let offset = 0;
  while (offset + 4 <= targetInfo.length) {
    const id = targetInfo.readUInt16LE(offset);
    const length = targetInfo.readUInt16LE(offset + 2);
    if (id === AV_EOL) return pairs;
    if (offset + 4 + length > targetInfo.length) {
      throw new NtlmError(`Malformed NTLM target info: AV pair ${id} runs past its end`);
    }
    pairs.push({ id, value: Buffer.from(targetInfo.subarray(offset + 4, offset + 4 + length)) });
    offset += 4 + length;
  }
  throw new NtlmError('Malformed NTLM target info: no MsvAvEOL');
}

function writeAvPairs(pairs: AvPair[]): Buffer {
  const parts = pairs.flatMap(({ id, value }) => {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(id, 0);
    header.writeUInt16LE(value.length, 2);
    return [header, value];
  });
  return Buffer.concat([...parts, Buffer.alloc(4)]); // MsvAvEOL
}

/** A (length, max length, offset) field of an NTLM header, checked against the message. */
function payload(message: Buffer, at: number, what: string): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset + length > message.length) {
    throw new NtlmError(
      `Malformed NTLM CHALLENGE: ${what} (${length} bytes at ${offset}) past its end (${message.length})`,
    );
  }
  return Buffer.from(message.subarray(offset, offset + length));
}

/**
 * Parses a CHALLENGE_MESSAGE (2.2.1.2). Every offset and length is checked against the message:
 * a truncated or hostile one (wrong signature or type, fields past the end, a TargetInfo
 * without MsvAvEOL, an MsvAvTimestamp not 8 bytes long) throws NtlmError, never reads outside.
 */
export function parseChallengeMessage(message: Buffer): NtlmChallenge {
  // Through TargetInfoFields: 48 bytes. Servers that omit the Version (8 more) exist.
  if (message.length < 48) {
    throw new NtlmError(`Malformed NTLM CHALLENGE: ${message.length} bytes, at least 48 needed`);
  }
  if (!message.subarray(0, 8).equals(SIGNATURE)) {
    throw new NtlmError('Malformed NTLM CHALLENGE: no NTLMSSP signature');
  }
  const type = message.readUInt32LE(8);
  if (type !== CHALLENGE_MESSAGE) {
    throw new NtlmError(`Malformed NTLM CHALLENGE: message type ${type}, not 2`);
  }
  const flags = message.readUInt32LE(20);
  const name = payload(message, 12, 'TargetName');
  const targetInfo = payload(message, 40, 'TargetInfo');
  if (flags & NtlmFlag.UNICODE && name.length % 2 !== 0) {
    throw new NtlmError('Malformed NTLM CHALLENGE: a UTF-16 TargetName of odd length');
  }
  let timestamp: Buffer | null = null;
  if (targetInfo.length > 0) {
    const stamp = parseAvPairs(targetInfo).find((pair) => pair.id === AV_TIMESTAMP);
    if (stamp && stamp.value.length !== 8) {
      throw new NtlmError(
        `Malformed NTLM CHALLENGE: MsvAvTimestamp of ${stamp.value.length} bytes`,
      );
    }
    timestamp = stamp?.value ?? null;
  }
  return {
    flags,
    serverChallenge: Buffer.from(message.subarray(24, 32)),
    targetName: name.toString(flags & NtlmFlag.UNICODE ? 'utf16le' : 'latin1'),
    targetInfo,
    timestamp,
    message: Buffer.from(message),
  };
}

export interface NtlmCredentials {
  domain: string;
  user: string;
  password: string;
  workstation?: string;
}

/**
 * NTOWFv2 (3.3.2): HMAC-MD5 keyed with the NT hash (MD4 of the UTF-16LE password) over the
 * UTF-16LE of the uppercased user name followed by the domain as given. Never throws.
 */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  // Windows uppercases character by character, by a 1:1 table: "ß" stays, where
  // String#toUpperCase would make it "SS" (and the hash another).
  const upper = [...user]
    .map((ch) => (ch.toUpperCase().length === ch.length ? ch.toUpperCase() : ch))
    .join('');
  return hmacMd5(md4(utf16(password)), utf16(upper + domain));
}

/**
 * The NTLMv2_CLIENT_CHALLENGE (2.2.2.7), "temp" of 3.3.2: RespType 1, HiRespType 1, Z(6),
 * the FILETIME timestamp, the client's 8-byte challenge, Z(4), the AV pairs, Z(4).
 */
export function ntlmv2ClientChallenge(
  clientChallenge: Buffer,
  timestamp: Buffer,
  targetInfo: Buffer,
): Buffer {
  const head = Buffer.alloc(28);
  head[0] = 1;
  head[1] = 1;
  timestamp.copy(head, 8, 0, 8);
  clientChallenge.copy(head, 16, 0, 8);
  return Buffer.concat([head, targetInfo, Buffer.alloc(4)]);
}

/**
 * The NTLMv2 response (3.3.2): NTProofStr = HMAC-MD5(ResponseKeyNT, ServerChallenge || temp),
 * the NtChallengeResponse (NTProofStr || temp) and SessionBaseKey = HMAC-MD5(key, NTProofStr).
 */
export function ntlmv2Response(
  responseKeyNT: Buffer,
  serverChallenge: Buffer,
  temp: Buffer,
): { ntChallengeResponse: Buffer; ntProofStr: Buffer; sessionBaseKey: Buffer } {
  const ntProofStr = hmacMd5(responseKeyNT, serverChallenge, temp);
  return {
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    ntProofStr,
    sessionBaseKey: hmacMd5(responseKeyNT, ntProofStr),
  };
}

/** LMv2 (3.3.2): HMAC-MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) || ClientChallenge. */
export function lmv2Response(
  responseKeyLM: Buffer,
  serverChallenge: Buffer,
  clientChallenge: Buffer,
): Buffer {
  return Buffer.concat([hmacMd5(responseKeyLM, serverChallenge, clientChallenge), clientChallenge]);
}

/** Now as a FILETIME: 100-ns ticks since 1601-01-01, little-endian. */
function fileTimeNow(): Buffer {
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  return time;
}

function fixedLength(value: Buffer | undefined, length: number, what: string): Buffer | undefined {
  if (value !== undefined && value.length !== length) {
    throw new RangeError(`${what} has ${length} bytes, not ${value.length}`);
  }
  return value;
}

/**
 * The AUTHENTICATE_MESSAGE (2.2.1.3) answering `challenge` (3.1.5.1.2), NTLMv2 with a MIC, and
 * the ExportedSessionKey: SMB's session key. `flags` are those negotiated (ours the server
 * granted); pass them to ntlmMechListMic. `options` fix the random values, for tests.
 * Throws NtlmError when the server refuses Unicode or its TargetInfo is malformed or too large
 * to echo, RangeError for option values of the wrong size or names too long for the message.
 */
export function ntlmAuthenticateMessage(
  credentials: NtlmCredentials,
  challenge: NtlmChallenge,
  negotiateMessage: Buffer,
  options: { clientChallenge?: Buffer; timestamp?: Buffer; exportedSessionKey?: Buffer } = {},
): { message: Buffer; sessionKey: Buffer; flags: number } {
  const clientChallenge =
    fixedLength(options.clientChallenge, 8, 'The client challenge') ?? randomBytes(8);
  const now = fixedLength(options.timestamp, 8, 'The timestamp') ?? fileTimeNow();
  const randomKey = fixedLength(options.exportedSessionKey, 16, 'The exported session key');
  if (!(challenge.flags & NtlmFlag.UNICODE)) {
    throw new NtlmError('The server does not accept Unicode NTLM messages (OEM only)');
  }
  const flags = (CLIENT_FLAGS & challenge.flags) >>> 0;

  // The server's AV pairs, in its order, with MsvAvFlags saying a MIC is present (3.1.5.1.2).
  // The timestamp is the server's own when it sent one, so that clock skew cannot fail us.
  const pairs = challenge.targetInfo.length > 0 ? parseAvPairs(challenge.targetInfo) : [];
  const avFlags = pairs.find((pair) => pair.id === AV_FLAGS);
  if (avFlags && avFlags.value.length === 4) {
    avFlags.value.writeUInt32LE((avFlags.value.readUInt32LE(0) | AV_FLAG_MIC) >>> 0);
  } else {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(AV_FLAG_MIC);
    if (avFlags) avFlags.value = value;
    else pairs.push({ id: AV_FLAGS, value });
  }
  const timestamp = challenge.timestamp ?? now;

  const responseKey = ntowfv2(credentials.password, credentials.user, credentials.domain);
  const temp = ntlmv2ClientChallenge(clientChallenge, timestamp, writeAvPairs(pairs));
  const { ntChallengeResponse, sessionBaseKey } = ntlmv2Response(
    responseKey,
    challenge.serverChallenge,
    temp,
  );
  // MS-NLMP 3.3.2: when the server sent MsvAvTimestamp the LmChallengeResponse SHOULD be
  // Z(24). We send it always, as we always send a MIC: an LMv2 response would only add a
  // second, weaker proof of the same key (lmv2Response exists for the document's vectors).
  const lmChallengeResponse = Buffer.alloc(24);

  // NTLMv2's KeyExchangeKey is the SessionBaseKey (3.4.5.1). With KEY_EXCH the exported key
  // is random, sent RC4-encrypted under it; without, it is the KeyExchangeKey itself.
  let sessionKey: Buffer = sessionBaseKey;
  let encryptedKey: Buffer = Buffer.alloc(0);
  if (flags & NtlmFlag.KEY_EXCH) {
    sessionKey = randomKey ?? randomBytes(16);
    encryptedKey = rc4(sessionBaseKey, sessionKey);
  }

  const fields = [
    lmChallengeResponse,
    ntChallengeResponse,
    utf16(credentials.domain),
    utf16(credentials.user),
    utf16(credentials.workstation ?? ''),
    encryptedKey,
  ];
  const header = Buffer.alloc(AUTHENTICATE_HEADER);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(AUTHENTICATE_MESSAGE, 8);
  // The payload in the order Windows writes it: domain, user, workstation, LM, NT, key.
  const order = [2, 3, 4, 0, 1, 5];
  let offset = AUTHENTICATE_HEADER;
  for (const index of order) {
    const field = fields[index]!;
    if (field.length > 0xffff) {
      throw index === 1
        ? new NtlmError('The server target info is too large to echo in an NTLMv2 response')
        : new RangeError('A domain, user or workstation name too long for NTLM');
    }
    const at = 12 + index * 8;
    header.writeUInt16LE(field.length, at);
    header.writeUInt16LE(field.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += field.length;
  }
  header.writeUInt32LE(flags, 60);
  if (flags & NtlmFlag.VERSION) VERSION.copy(header, 64);
  const message = Buffer.concat([header, ...order.map((index) => fields[index]!)]);

  // The MIC (3.1.5.1.2): HMAC-MD5 keyed with the exported session key over the three messages,
  // the MIC field itself still zero.
  hmacMd5(sessionKey, negotiateMessage, challenge.message, message).copy(message, MIC_OFFSET);
  return { message, sessionKey, flags };
}

/** SIGNKEY and SEALKEY's constants (3.4.5.2, 3.4.5.3), their NUL included. */
const magic = (server: boolean, use: 'signing' | 'sealing'): Buffer =>
  Buffer.from(
    `session key to ${server ? 'server-to-client' : 'client-to-server'} ${use} key magic constant\0`,
    'latin1',
  );

/**
 * The SPNEGO mechListMIC for NTLM: the NTLM signature (MS-NLMP 3.4.4.2, extended session
 * security, sequence number 0, a fresh RC4 handle as MS-SPNG 3.3.5.1 has it) of `mechTypesDer`,
 * the DER MechTypeList the client sent in its NegTokenInit.
 *
 * Why it is sent: Samba's server (auth/gensec/spnego.c) requires it whenever the AUTHENTICATE
 * carried a MIC and SIGN was negotiated; without one in that leg it answers accept-incomplete
 * with its own mechListMIC and waits for ours in a third leg. Windows clients send it in the
 * same leg as the AUTHENTICATE; so do we. `sender: 'server'` computes the server's, to check the
 * one in its final NegTokenResp. Throws NtlmError when extended session security was not
 * negotiated (the older CRC32 signature is not implemented).
 */
export function ntlmMechListMic(
  exportedSessionKey: Buffer,
  mechTypesDer: Buffer,
  options: { flags?: number; sender?: 'client' | 'server' } = {},
): Buffer {
  const flags = options.flags ?? CLIENT_FLAGS;
  if (!(flags & NtlmFlag.EXTENDED_SESSIONSECURITY)) {
    throw new NtlmError('NTLM signing without extended session security is not supported');
  }
  const server = options.sender === 'server';
  const signKey = createHash('md5').update(exportedSessionKey).update(magic(server, 'signing'));
  // SEALKEY: the exported key cut to 16, 7 or 5 bytes by the key strength negotiated.
  const strength = flags & NtlmFlag.N128 ? 16 : flags & NtlmFlag.N56 ? 7 : 5;
  const sealKey = createHash('md5')
    .update(exportedSessionKey.subarray(0, strength))
    .update(magic(server, 'sealing'));
  const seqNum = Buffer.alloc(4); // the first message: 0
  let checksum: Buffer = hmacMd5(signKey.digest(), seqNum, mechTypesDer).subarray(0, 8);
  if (flags & NtlmFlag.KEY_EXCH) checksum = rc4(sealKey.digest(), checksum);
  const signature = Buffer.alloc(16);
  signature.writeUInt32LE(1, 0); // NTLMSSP_MESSAGE_SIGNATURE version
  checksum.copy(signature, 4);
  seqNum.copy(signature, 12);
  return signature;
}
