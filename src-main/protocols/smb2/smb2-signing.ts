import { createCipheriv, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/*
 * Signing one SMB2 message (MS-SMB2 3.1.4.1) and verifying the signature of a received one
 * (3.1.5.1): a 16-byte MAC over the whole message - the 64-byte header with its Signature field
 * zeroed, the body, and in a compound chain the padding up to the next message - kept in that
 * Signature field. A compound chain is signed message by message; the caller passes each one.
 * Import it from ./smb2-crypto, which gathers the SMB2 cryptography in one place.
 */

/**
 * Key material or a protected message that cannot be used: a message whose signature or
 * authentication tag does not verify, a malformed or truncated TRANSFORM_HEADER, a key of the
 * wrong length, a dialect or cipher that does not go together. Never a crash or a hang. (Defined
 * here, the module the others build on, so that importing stays one-way.)
 */
export class SmbCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmbCryptoError';
  }
}

/**
 * A key as bytes, or as a KeyObject made once (createSecretKey): a cipher keyed with a
 * KeyObject is set up several times faster, which counts when every message is signed.
 */
export type SmbKey = Buffer | KeyObject;

/** The length of a key in bytes. */
export function keyLength(key: SmbKey): number {
  return Buffer.isBuffer(key) ? key.length : (key.symmetricKeySize ?? 0);
}

/** The signing algorithms of SMB2_SIGNING_CAPABILITIES (AES-GMAC is AES-128-GMAC, 3.1.1 only). */
export type SigningAlgorithm = 'HMAC-SHA256' | 'AES-CMAC' | 'AES-GMAC';

/** The fields of the SMB2 header (2.2.1) that signing reads or writes. */
const HEADER_SIZE = 64;
const COMMAND_OFFSET = 12;
const FLAGS_OFFSET = 16;
const MESSAGE_ID_OFFSET = 24;
const SIGNATURE_OFFSET = 48;
const SIGNATURE_SIZE = 16;
const SMB2_FLAGS_SERVER_TO_REDIR = 0x00000001;
const SMB2_FLAGS_SIGNED = 0x00000008;
const SMB2_CANCEL = 0x000c;
const PROTOCOL_ID = Buffer.from([0xfe, 0x53, 0x4d, 0x42]);

const BLOCK = 16;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** RFC 4493 2.3: a block shifted left by one bit, the carry folded back in with Rb = 0x87. */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    out[i] = (((block[i] as number) << 1) | ((block[i + 1] ?? 0) >> 7)) & 0xff;
  }
  if (((block[0] as number) & 0x80) !== 0) out[BLOCK - 1] = (out[BLOCK - 1] as number) ^ 0x87;
  return out;
}

/**
 * AES-128-CMAC of the concatenation of `parts`, which need not fall on block boundaries: the
 * blocks before the last go through AES-CBC with a zero IV (its last output block is the CBC-MAC
 * so far), the last one is masked with K1 when whole, padded with 0x80 0x00… and masked with K2
 * when not (an empty message is one padded block).
 */
function cmac(key: SmbKey, parts: readonly Buffer[]): Buffer {
  if (keyLength(key) !== 16) {
    throw new SmbCryptoError(`AES-128-CMAC takes a 16-byte key, not ${keyLength(key)} bytes`);
  }
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const k1 = double(ecb.update(ZERO_BLOCK));
  const k2 = double(k1);

  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const whole = total > 0 && total % BLOCK === 0;
  const lastStart = whole ? total - BLOCK : total - (total % BLOCK);
  const cbc = createCipheriv('aes-128-cbc', key, ZERO_BLOCK).setAutoPadding(false);
  let chain: Buffer = ZERO_BLOCK;
  const last = Buffer.alloc(BLOCK);
  let offset = 0;
  for (const part of parts) {
    const head = Math.min(Math.max(lastStart - offset, 0), part.length);
    if (head > 0) {
      // CBC hands back whole blocks only; the newest of them is the chaining value.
      const out = cbc.update(part.subarray(0, head));
      if (out.length > 0) chain = out.subarray(out.length - BLOCK);
    }
    if (head < part.length) part.copy(last, offset + head - lastStart, head);
    offset += part.length;
  }
  cbc.final();

  const lastLength = total - lastStart;
  if (!whole) last[lastLength] = 0x80;
  const mask = whole ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) {
    last[i] = (last[i] as number) ^ (mask[i] as number) ^ (chain[i] as number);
  }
  const tag = ecb.update(last);
  ecb.final();
  return tag;
}

/**
 * RFC 4493 AES-CMAC (AES-128): the 16-byte tag of `data`. Throws SmbCryptoError unless the key
 * is 16 bytes.
 */
export function aesCmac(key: Buffer, data: Buffer): Buffer {
  return cmac(key, [data]);
}

/**
 * The GMAC nonce of MS-SMB2 3.1.4.1: the MessageId, then a 32-bit little-endian word whose bit 0
 * says the sender is the server and bit 1 that the message is a CANCEL request. The role bit
 * keeps a request and its response, which share a MessageId, from sharing a nonce.
 */
function gmacNonce(message: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  message.copy(nonce, 0, MESSAGE_ID_OFFSET, MESSAGE_ID_OFFSET + 8);
  const fromServer = (message.readUInt32LE(FLAGS_OFFSET) & SMB2_FLAGS_SERVER_TO_REDIR) !== 0;
  const cancelRequest = !fromServer && message.readUInt16LE(COMMAND_OFFSET) === SMB2_CANCEL;
  nonce.writeUInt32LE((fromServer ? 1 : 0) | (cancelRequest ? 2 : 0), 8);
  return nonce;
}

/** Throws SmbCryptoError unless `key` suits `algorithm`: mistakes of the caller, not the peer. */
function checkKey(key: SmbKey, algorithm: SigningAlgorithm): void {
  switch (algorithm) {
    case 'HMAC-SHA256':
      if (keyLength(key) === 0) throw new SmbCryptoError('HMAC-SHA256 signing needs a key');
      return;
    case 'AES-CMAC':
    case 'AES-GMAC':
      if (keyLength(key) !== 16) {
        throw new SmbCryptoError(`${algorithm} takes a 16-byte key, not ${keyLength(key)} bytes`);
      }
      return;
    default:
      throw new SmbCryptoError(`Unknown signing algorithm ${String(algorithm)}`);
  }
}

/** The signature of a message as if its Signature field were zero, without writing to it. */
function computeSignature(
  message: Buffer,
  key: SmbKey,
  algorithm: SigningAlgorithm,
  rest: readonly Buffer[] = [],
): Buffer {
  // The MAC reads around the Signature field rather than a zeroed copy: a signed READ response
  // can be megabytes.
  const parts = [
    message.subarray(0, SIGNATURE_OFFSET),
    ZERO_BLOCK,
    message.subarray(SIGNATURE_OFFSET + SIGNATURE_SIZE),
    ...rest,
  ];
  if (algorithm === 'HMAC-SHA256') {
    const hmac = createHmac('sha256', key);
    for (const part of parts) hmac.update(part);
    return hmac.digest().subarray(0, SIGNATURE_SIZE);
  }
  if (algorithm === 'AES-CMAC') return cmac(key, parts);
  // GMAC is GCM authenticating everything and encrypting nothing.
  const gcm = createCipheriv('aes-128-gcm', key, gmacNonce(message), { authTagLength: 16 });
  for (const part of parts) gcm.setAAD(part);
  gcm.final();
  return gcm.getAuthTag();
}

const isSmb2Message = (message: Buffer): boolean =>
  message.length >= HEADER_SIZE && message.subarray(0, 4).equals(PROTOCOL_ID);

/**
 * Signs an SMB2 message in place: sets SMB2_FLAGS_SIGNED, zeroes then fills the 16-byte Signature
 * at offset 48. HMAC-SHA256 (2.x, keyed with the session key, any length) keeps the first 16 bytes
 * of the hash; AES-CMAC and AES-GMAC take a 16-byte key; the AES-GMAC nonce comes from the
 * MessageId and the flags. `message` is one message (with its padding when in a compound chain);
 * `rest` are bytes that follow it on the wire (a WRITE's data, not joined to save a copy).
 * Throws SmbCryptoError for something that is not an SMB2 message (under 64 bytes, or a
 * ProtocolId other than 0xFE 'S' 'M' 'B'), a key of the wrong length, an unknown algorithm.
 */
export function signMessage(
  message: Buffer,
  key: SmbKey,
  algorithm: SigningAlgorithm,
  rest: readonly Buffer[] = [],
): void {
  checkKey(key, algorithm);
  if (!isSmb2Message(message)) {
    throw new SmbCryptoError(`Not an SMB2 message to sign (${message.length} bytes)`);
  }
  const flags = message.readUInt32LE(FLAGS_OFFSET);
  message.writeUInt32LE((flags | SMB2_FLAGS_SIGNED) >>> 0, FLAGS_OFFSET);
  message.fill(0, SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_SIZE);
  computeSignature(message, key, algorithm, rest).copy(message, SIGNATURE_OFFSET);
}

/**
 * True when the Signature field of `message` is the one `key` gives it (compared in constant
 * time); false too for something too short to be an SMB2 message or not one. Does not modify the
 * message. Throws SmbCryptoError for a key of the wrong length or an unknown algorithm: those are
 * the caller's mistakes, not the peer's.
 */
export function verifySignature(
  message: Buffer,
  key: SmbKey,
  algorithm: SigningAlgorithm,
): boolean {
  checkKey(key, algorithm);
  if (!isSmb2Message(message)) return false;
  return timingSafeEqual(
    computeSignature(message, key, algorithm),
    message.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_SIZE),
  );
}

const NEXT_COMMAND_OFFSET = 20;

/**
 * True when `message`, one answer of a compound chain whose signature `verifySignature`
 * refused, was signed before the server chained it: over the message with NextCommand 0 and
 * without the padding to the next one (impacket's server signs each answer, then fills in
 * NextCommand and pads). The MAC then still covers every byte of the message but the
 * NextCommand field and up to 7 zero bytes of padding, which carry no data: the framing is
 * checked apart, and a NextCommand moved by anyone else makes this message (and the next)
 * fail, so nothing can be forged through it. False for a message that is not in a chain
 * (NextCommand 0). Throws SmbCryptoError as verifySignature does.
 */
export function verifySignedBeforeChaining(
  message: Buffer,
  key: SmbKey,
  algorithm: SigningAlgorithm,
): boolean {
  if (!isSmb2Message(message) || message.readUInt32LE(NEXT_COMMAND_OFFSET) === 0) return false;
  const copy = Buffer.from(message);
  copy.writeUInt32LE(0, NEXT_COMMAND_OFFSET);
  for (let padding = 0; padding < 8 && copy.length - padding >= HEADER_SIZE; padding++) {
    if (padding > 0 && copy[copy.length - padding] !== 0) break;
    if (verifySignature(copy.subarray(0, copy.length - padding), key, algorithm)) return true;
  }
  return false;
}
