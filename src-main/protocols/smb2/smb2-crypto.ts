import { createHash, createHmac } from 'node:crypto';
import type { Cipher } from './smb2-encryption';
import { SmbCryptoError, type SigningAlgorithm } from './smb2-signing';

/*
 * The SMB2/3 message cryptography, gathered for the rest of the client: the keys of a session
 * (MS-SMB2 3.1.4.2, 3.2.5.3.1) and the SMB 3.1.1 preauth integrity hash that binds them to the
 * NEGOTIATE and SESSION_SETUP exchange (3.2.5.2, 3.2.5.3.1) are here; signing (3.1.4.1) is in
 * ./smb2-signing and encryption (3.1.4.3) in ./smb2-encryption, re-exported below.
 *
 * Every key comes from the session key the authentication (NTLM, Kerberos) hands over. 2.x signs
 * with it directly; 3.x derives each key with the SP800-108 KDF under a label and a context that
 * name its purpose, so a key leaked for one use (the application key SMB hands to RPC) reveals
 * nothing about the others.
 */

export {
  aesCmac,
  signMessage,
  SmbCryptoError,
  verifySignature,
  verifySignedBeforeChaining,
} from './smb2-signing';
export type { SigningAlgorithm } from './smb2-signing';
export {
  decryptMessage,
  encryptMessage,
  encryptMessageParts,
  isTransformHeader,
} from './smb2-encryption';
export type { Cipher } from './smb2-encryption';

/** An SMB2 dialect revision as it appears on the wire: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
export type Dialect = 0x0202 | 0x0210 | 0x0300 | 0x0302 | 0x0311;

/** Session.SessionKey is 16 bytes (MS-SMB2 3.2.1.3); the signing and application keys too. */
const SESSION_KEY_BYTES = 16;
/** SHA-512: the only hash algorithm SMB2_PREAUTH_INTEGRITY_CAPABILITIES defines. */
const PREAUTH_HASH_BYTES = 64;

/**
 * SP800-108 counter mode, PRF HMAC-SHA256, r=32, L = bits: the blocks HMAC(key, [i]₃₂ || label ||
 * 0x00 || context || [L]₃₂) for i = 1, 2, …, cut to L bits. MS-SMB2 passes its labels and its
 * 3.0 contexts with their terminating NUL, so `label` and `context` are used exactly as given.
 * Throws SmbCryptoError for an L other than 128 or 256.
 */
export function kdf(key: Buffer, label: Buffer, context: Buffer, bits: 128 | 256 = 128): Buffer {
  if (bits !== 128 && bits !== 256) {
    throw new SmbCryptoError(`SMB keys are 128 or 256 bits long, not ${String(bits)}`);
  }
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bits);
  const blocks: Buffer[] = [];
  for (let i = 1; i <= Math.ceil(bits / 256); i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    blocks.push(
      createHmac('sha256', key)
        .update(counter)
        .update(label)
        .update(Buffer.of(0))
        .update(context)
        .update(length)
        .digest(),
    );
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}

/** The four keys of a session, as the client sees them. */
export interface SessionKeys {
  /** Signs and verifies the session's messages (3.x: Session.SigningKey, and Channel.SigningKey
   * of the first channel). */
  signingKey: Buffer;
  /** Encrypts what the client sends; empty for 2.x, which has no encryption. */
  encryptionKey: Buffer;
  /** Decrypts what the server sends; empty for 2.x. */
  decryptionKey: Buffer;
  /** The key SMB hands to protocols carried over it (RPC over named pipes). */
  applicationKey: Buffer;
}

/** Labels and contexts of MS-SMB2 3.2.5.3.1, NUL included ("ServerIn " has its space). */
const LABELS_30 = {
  signing: ['SMB2AESCMAC\0', 'SmbSign\0'],
  encryption: ['SMB2AESCCM\0', 'ServerIn \0'],
  decryption: ['SMB2AESCCM\0', 'ServerOut\0'],
  application: ['SMB2APP\0', 'SmbRpc\0'],
} as const;
const LABELS_311 = {
  signing: 'SMBSigningKey\0',
  encryption: 'SMBC2SCipherKey\0',
  decryption: 'SMBS2CCipherKey\0',
  application: 'SMBAppKey\0',
} as const;

const CIPHER_KEY_BITS: Record<Cipher, 128 | 256> = {
  'AES-128-CCM': 128,
  'AES-128-GCM': 128,
  'AES-256-CCM': 256,
  'AES-256-GCM': 256,
};

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const hex4 = (dialect: number): string => `0x${dialect.toString(16).padStart(4, '0')}`;

/**
 * The keys of a session from the cryptographic key its authentication produced:
 * - 2.0.2, 2.1: the signing and application keys are Session.SessionKey itself; no encryption
 *   keys (empty buffers), and a cipher is refused.
 * - 3.0, 3.0.2: KDF with the constant labels and contexts "SMB2AESCMAC"/"SmbSign",
 *   "SMB2AESCCM"/"ServerIn " (client to server), "SMB2AESCCM"/"ServerOut", "SMB2APP"/"SmbRpc";
 *   `preauthHash` is ignored, and the only cipher is AES-128-CCM.
 * - 3.1.1: the labels "SMBSigningKey", "SMBC2SCipherKey", "SMBS2CCipherKey", "SMBAppKey", with
 *   the session's 64-byte preauth integrity hash as context (required).
 *
 * Session.SessionKey is the first 16 bytes of `sessionKey`, zero-padded when shorter; the signing
 * and application keys always come from it, 128 bits long. A 256-bit cipher takes 256-bit
 * encryption and decryption keys derived from Session.FullSessionKey, all of `sessionKey` (a
 * Kerberos AES-256 key is 32 bytes; deriving from its first 16 gives keys the server does not
 * have). With `cipher` null the encryption keys are still derived, 128 bits, as Windows does.
 * Throws SmbCryptoError for an empty session key (guest and anonymous sessions have none), an
 * unknown dialect or cipher, a cipher the dialect does not have, or a missing 3.1.1 hash.
 */
export function deriveKeys(
  dialect: Dialect,
  sessionKey: Buffer,
  preauthHash: Buffer | null,
  cipher: Cipher | null,
): SessionKeys {
  if (sessionKey.length === 0) {
    throw new SmbCryptoError('No session key: guest and anonymous sessions cannot sign or encrypt');
  }
  if (cipher !== null && !Object.hasOwn(CIPHER_KEY_BITS, cipher)) {
    throw new SmbCryptoError(`Unknown cipher ${String(cipher)}`);
  }
  const cipherBits = cipher === null ? 128 : CIPHER_KEY_BITS[cipher];
  const key16 = Buffer.alloc(SESSION_KEY_BYTES);
  sessionKey.copy(key16, 0, 0, SESSION_KEY_BYTES);
  // HMAC pads its key with zeros to 64 bytes, so a short key and its zero-padded form derive the
  // same keys: FullSessionKey needs no padding rule of its own.
  const cipherKey = cipherBits === 256 ? sessionKey : key16;

  switch (dialect) {
    case 0x0202:
    case 0x0210:
      if (cipher !== null) {
        throw new SmbCryptoError(`Dialect ${hex4(dialect)} has no encryption (${cipher})`);
      }
      return {
        signingKey: Buffer.from(key16),
        encryptionKey: Buffer.alloc(0),
        decryptionKey: Buffer.alloc(0),
        applicationKey: Buffer.from(key16),
      };
    case 0x0300:
    case 0x0302: {
      if (cipher !== null && cipher !== 'AES-128-CCM') {
        throw new SmbCryptoError(
          `Dialect ${hex4(dialect)} encrypts with AES-128-CCM only, not ${cipher}`,
        );
      }
      const derive = ([label, context]: readonly [string, string]): Buffer =>
        kdf(key16, ascii(label), ascii(context), 128);
      return {
        signingKey: derive(LABELS_30.signing),
        encryptionKey: derive(LABELS_30.encryption),
        decryptionKey: derive(LABELS_30.decryption),
        applicationKey: derive(LABELS_30.application),
      };
    }
    case 0x0311: {
      if (preauthHash === null || preauthHash.length !== PREAUTH_HASH_BYTES) {
        throw new SmbCryptoError(
          `Dialect 0x0311 derives its keys from the 64-byte preauth integrity hash, got ${
            preauthHash === null ? 'none' : `${preauthHash.length} bytes`
          }`,
        );
      }
      return {
        signingKey: kdf(key16, ascii(LABELS_311.signing), preauthHash, 128),
        encryptionKey: kdf(cipherKey, ascii(LABELS_311.encryption), preauthHash, cipherBits),
        decryptionKey: kdf(cipherKey, ascii(LABELS_311.decryption), preauthHash, cipherBits),
        applicationKey: kdf(key16, ascii(LABELS_311.application), preauthHash, 128),
      };
    }
    default:
      throw new SmbCryptoError(`Unknown SMB2 dialect ${hex4(dialect as number)}`);
  }
}

/**
 * The algorithm a dialect signs with unless SMB2_SIGNING_CAPABILITIES negotiated another (3.1.1
 * only): HMAC-SHA256 for 2.x, AES-CMAC for 3.x. Throws SmbCryptoError for an unknown dialect.
 */
export function defaultSigningAlgorithm(dialect: Dialect): SigningAlgorithm {
  switch (dialect) {
    case 0x0202:
    case 0x0210:
      return 'HMAC-SHA256';
    case 0x0300:
    case 0x0302:
    case 0x0311:
      return 'AES-CMAC';
    default:
      throw new SmbCryptoError(`Unknown SMB2 dialect ${hex4(dialect as number)}`);
  }
}

/**
 * One step of the 3.1.1 preauth integrity hash chain: SHA-512(previous || message). The chain
 * starts from 64 zero bytes, takes the NEGOTIATE request and response (the connection's value),
 * then each SESSION_SETUP request and every response but the final successful one (the session's
 * value), each message whole as sent or received. Throws SmbCryptoError when `previous` is not
 * 64 bytes.
 */
export function preauthHash(previous: Buffer, message: Buffer): Buffer {
  if (previous.length !== PREAUTH_HASH_BYTES) {
    throw new SmbCryptoError(`A preauth integrity hash is 64 bytes, not ${previous.length}`);
  }
  return createHash('sha512').update(previous).update(message).digest();
}
