import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  type CipherCCM,
  type CipherGCM,
  type DecipherCCM,
  type DecipherGCM,
} from 'node:crypto';
import { SmbCryptoError, keyLength, type SmbKey } from './smb2-signing';

/*
 * SMB 3.x encryption (MS-SMB2 3.1.4.3, 3.2.5.1.1.1): the whole SMB2 message (a compound chain
 * included) is encrypted with an AEAD cipher and sent behind a 52-byte SMB2 TRANSFORM_HEADER
 * (2.2.41). The cipher's tag is the header's Signature; the header from the Nonce on is the
 * authenticated data, so the session, the size and the flags cannot be changed in flight.
 *
 *   0  ProtocolId 0xFD 'S' 'M' 'B'     36  OriginalMessageSize (uint32)
 *   4  Signature (16)                  40  Reserved (uint16)
 *  20  Nonce (16: 11 used by CCM,      42  Flags/EncryptionAlgorithm (uint16) = 0x0001
 *      12 by GCM, the rest zero)       44  SessionId (uint64)
 *
 * Import it from ./smb2-crypto, which gathers the SMB2 cryptography in one place.
 */

/** The ciphers of SMB2_ENCRYPTION_CAPABILITIES; 3.0 and 3.0.2 know only AES-128-CCM. */
export type Cipher = 'AES-128-CCM' | 'AES-128-GCM' | 'AES-256-CCM' | 'AES-256-GCM';

const TRANSFORM_HEADER_SIZE = 52;
const SIGNATURE_OFFSET = 4;
const NONCE_OFFSET = 20;
const ORIGINAL_SIZE_OFFSET = 36;
const RESERVED_OFFSET = 40;
const FLAGS_OFFSET = 42;
const SESSION_ID_OFFSET = 44;
const TAG_SIZE = 16;
/** Flags/EncryptionAlgorithm: 3.0 called it AES-128-CCM, 3.1.1 "encrypted"; 1 either way. */
const ENCRYPTED = 0x0001;
const PROTOCOL_ID = Buffer.from([0xfd, 0x53, 0x4d, 0x42]);

interface CipherParams {
  ccm: boolean;
  algorithm: 'aes-128-ccm' | 'aes-256-ccm' | 'aes-128-gcm' | 'aes-256-gcm';
  keyBytes: number;
  nonceBytes: number;
}

const CIPHERS: Record<Cipher, CipherParams> = {
  'AES-128-CCM': { ccm: true, algorithm: 'aes-128-ccm', keyBytes: 16, nonceBytes: 11 },
  'AES-256-CCM': { ccm: true, algorithm: 'aes-256-ccm', keyBytes: 32, nonceBytes: 11 },
  'AES-128-GCM': { ccm: false, algorithm: 'aes-128-gcm', keyBytes: 16, nonceBytes: 12 },
  'AES-256-GCM': { ccm: false, algorithm: 'aes-256-gcm', keyBytes: 32, nonceBytes: 12 },
};

/**
 * The parameters of `cipher`; throws SmbCryptoError for an unknown cipher or a key of the wrong
 * size.
 */
function paramsFor(cipher: Cipher, key: SmbKey): CipherParams {
  const params = Object.hasOwn(CIPHERS, cipher) ? CIPHERS[cipher] : undefined;
  if (params === undefined) throw new SmbCryptoError(`Unknown cipher ${String(cipher)}`);
  if (keyLength(key) !== params.keyBytes) {
    throw new SmbCryptoError(
      `${cipher} takes a ${params.keyBytes}-byte key, not ${keyLength(key)} bytes`,
    );
  }
  return params;
}

/** The AEAD cipher for one message; the tag is always 16 bytes (the Signature). */
function cipherFor(params: CipherParams, key: SmbKey, nonce: Buffer): CipherCCM | CipherGCM {
  const options = { authTagLength: TAG_SIZE };
  return params.ccm
    ? createCipheriv(params.algorithm as 'aes-128-ccm' | 'aes-256-ccm', key, nonce, options)
    : createCipheriv(params.algorithm as 'aes-128-gcm' | 'aes-256-gcm', key, nonce, options);
}

/** The AEAD decipher for one message. */
function decipherFor(params: CipherParams, key: SmbKey, nonce: Buffer): DecipherCCM | DecipherGCM {
  const options = { authTagLength: TAG_SIZE };
  return params.ccm
    ? createDecipheriv(params.algorithm as 'aes-128-ccm' | 'aes-256-ccm', key, nonce, options)
    : createDecipheriv(params.algorithm as 'aes-128-gcm' | 'aes-256-gcm', key, nonce, options);
}

/**
 * True when `data` starts with the TRANSFORM_HEADER ProtocolId 0xFD 'S' 'M' 'B'; nothing more is
 * checked (decryptMessage checks the rest).
 */
export function isTransformHeader(data: Buffer): boolean {
  return (
    data.length >= PROTOCOL_ID.length && data.subarray(0, PROTOCOL_ID.length).equals(PROTOCOL_ID)
  );
}

/**
 * Encrypts one SMB2 message (or compound chain) for the session `sessionId` with the client's
 * Session.EncryptionKey: the TRANSFORM_HEADER, then the ciphertext, as one buffer to send. The
 * nonce is random, 11 bytes for CCM and 12 for GCM, zero-padded to 16. Throws SmbCryptoError for
 * an unknown cipher, a key of the wrong size, an empty message or one past 4 GiB; RangeError for
 * a session id outside 64 bits.
 */
export function encryptMessage(
  message: Buffer,
  key: SmbKey,
  cipher: Cipher,
  sessionId: bigint,
): Buffer {
  return Buffer.concat(encryptMessageParts(message, key, cipher, sessionId));
}

/**
 * encryptMessage as [TRANSFORM_HEADER, ciphertext...], to be sent one after the other; `rest`
 * are bytes that follow `message` (a WRITE's data): with GCM neither is copied to join them.
 * Throws as encryptMessage does.
 */
export function encryptMessageParts(
  message: Buffer,
  key: SmbKey,
  cipher: Cipher,
  sessionId: bigint,
  rest: readonly Buffer[] = [],
): Buffer[] {
  const params = paramsFor(cipher, key);
  const length = rest.reduce((sum, part) => sum + part.length, message.length);
  if (length === 0 || length > 0xffffffff) {
    throw new SmbCryptoError(`Cannot encrypt a message of ${length} bytes`);
  }
  const header = Buffer.alloc(TRANSFORM_HEADER_SIZE);
  PROTOCOL_ID.copy(header, 0);
  // Random rather than a counter: it needs no state shared between callers, and at 88 or 96 bits
  // a collision stays negligible for the 2^32 messages a key may protect (SP 800-38D 8.3).
  randomBytes(params.nonceBytes).copy(header, NONCE_OFFSET);
  header.writeUInt32LE(length, ORIGINAL_SIZE_OFFSET);
  header.writeUInt16LE(0, RESERVED_OFFSET);
  header.writeUInt16LE(ENCRYPTED, FLAGS_OFFSET);
  header.writeBigUInt64LE(sessionId, SESSION_ID_OFFSET);

  const nonce = header.subarray(NONCE_OFFSET, NONCE_OFFSET + params.nonceBytes);
  const encrypt = cipherFor(params, key, nonce);
  encrypt.setAAD(header.subarray(NONCE_OFFSET, TRANSFORM_HEADER_SIZE), {
    plaintextLength: length,
  });
  // CCM takes its plaintext in one update; GCM streams, piece by piece.
  const plain =
    params.ccm && rest.length > 0 ? [Buffer.concat([message, ...rest])] : [message, ...rest];
  const ciphertext = plain.map((part) => encrypt.update(part));
  encrypt.final();
  encrypt.getAuthTag().copy(header, SIGNATURE_OFFSET);
  return [header, ...ciphertext];
}

/**
 * Decrypts what `encryptMessage` (or the server) produced with the client's
 * Session.DecryptionKey: `transformed` is one whole transport frame, the header and exactly
 * OriginalMessageSize bytes of ciphertext. Returns the SessionId of the header, for the caller to
 * check against the session whose key it used, and the plaintext SMB2 message. Throws
 * SmbCryptoError when the frame is no longer than the header, the ProtocolId or the
 * Flags/EncryptionAlgorithm is not the one of MS-SMB2, OriginalMessageSize disagrees with the
 * frame, or the tag does not verify (a wrong key, or anything changed from the Nonce on); no
 * plaintext is returned then.
 */
export function decryptMessage(
  transformed: Buffer,
  key: SmbKey,
  cipher: Cipher,
): { sessionId: bigint; message: Buffer } {
  const params = paramsFor(cipher, key);
  if (transformed.length <= TRANSFORM_HEADER_SIZE) {
    throw new SmbCryptoError(
      `Truncated encrypted message: ${transformed.length} bytes, the TRANSFORM_HEADER alone is ${TRANSFORM_HEADER_SIZE}`,
    );
  }
  if (!isTransformHeader(transformed)) {
    throw new SmbCryptoError('Not an SMB2 TRANSFORM_HEADER (ProtocolId is not 0xFD "SMB")');
  }
  const flags = transformed.readUInt16LE(FLAGS_OFFSET);
  if (flags !== ENCRYPTED) {
    throw new SmbCryptoError(`TRANSFORM_HEADER Flags/EncryptionAlgorithm is ${flags}, not 1`);
  }
  const size = transformed.readUInt32LE(ORIGINAL_SIZE_OFFSET);
  if (size !== transformed.length - TRANSFORM_HEADER_SIZE) {
    throw new SmbCryptoError(
      `TRANSFORM_HEADER OriginalMessageSize is ${size}, but ${transformed.length - TRANSFORM_HEADER_SIZE} bytes follow it`,
    );
  }

  const nonce = transformed.subarray(NONCE_OFFSET, NONCE_OFFSET + params.nonceBytes);
  try {
    const decrypt = decipherFor(params, key, nonce);
    decrypt.setAuthTag(transformed.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + TAG_SIZE));
    decrypt.setAAD(transformed.subarray(NONCE_OFFSET, TRANSFORM_HEADER_SIZE), {
      plaintextLength: size,
    });
    const message = decrypt.update(transformed.subarray(TRANSFORM_HEADER_SIZE));
    // A bad tag throws from final(): until then GCM has handed back unverified plaintext (CCM
    // nothing), which must not leave this function.
    decrypt.final();
    return { sessionId: transformed.readBigUInt64LE(SESSION_ID_OFFSET), message };
  } catch (error) {
    throw new SmbCryptoError(
      `Encrypted message does not authenticate (${cipher}): ${(error as Error).message}`,
    );
  }
}
