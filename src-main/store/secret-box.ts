import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src-shared/errors';

/**
 * Encrypts the secrets the history database stores (passwords, secret keys), so the database
 * file alone never reveals them. The desktop app uses one backed by Electron's safeStorage (the OS
 * keychain); the web host and the CLI use the file-key box below.
 */
export interface SecretBox {
  /** Ciphertext as text (base64), safe to store. */
  encrypt(plaintext: string): string;
  /** Throws AppError `invalid-config` when the ciphertext was altered or made with another key. */
  decrypt(ciphertext: string): string;
  /** Which box made a ciphertext, e.g. 'file-key' or 'safe-storage': stored beside it. */
  readonly kind: string;
}

export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT_VERSION = 1;

/**
 * A SecretBox using AES-256-GCM with a random 32-byte key kept in `<dataDir>/secret.key` (mode
 * 0600, created on first use; the folder is created with mode 0700 if missing). Ciphertext is
 * base64 of: format version byte (1), 12-byte IV, 16-byte GCM tag, encrypted UTF-8.
 *
 * The key protects secrets from someone who gets the database file (a backup, a bug report), not
 * from someone who can read the user's whole data folder: that is what the keychain box is for.
 *
 * Throws AppError `invalid-config` when the key file exists with a length other than 32 bytes;
 * AppError `permission-denied` when it cannot be read or created.
 */
export function createFileKeySecretBox(dataDir: string): SecretBox {
  const keyFile = path.join(dataDir, SECRET_KEY_FILE);
  const key = loadOrCreateKey(dataDir, keyFile);
  return {
    kind: 'file-key',
    encrypt(plaintext: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, tag, data]).toString('base64');
    },
    decrypt(ciphertext: string): string {
      const bytes = Buffer.from(ciphertext, 'base64');
      if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_VERSION) {
        throw undecryptable(keyFile);
      }
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const data = bytes.subarray(1 + IV_BYTES + TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch {
        throw undecryptable(keyFile);
      }
    },
  };
}

function undecryptable(keyFile: string): AppError {
  return new AppError(
    'invalid-config',
    'A saved secret could not be decrypted: it was altered, or saved with another key than ' +
      `${keyFile}. Enter the password or secret key again.`,
    { keyFile },
  );
}

function loadOrCreateKey(dataDir: string, keyFile: string): Buffer {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(KEY_BYTES);
    try {
      // 'wx' fails when the file exists, so two processes starting together agree on one key.
      fs.writeFileSync(keyFile, key, { flag: 'wx', mode: 0o600 });
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return readKey(keyFile);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      'permission-denied',
      `Cannot read or create the key file ${keyFile} (${reason})`,
      {
        keyFile,
      },
    );
  }
}

function readKey(keyFile: string): Buffer {
  // Another process may have created the file an instant ago and not written it yet.
  for (let attempt = 0; ; attempt++) {
    const key = fs.readFileSync(keyFile);
    if (key.length === KEY_BYTES) return key;
    if (key.length !== 0 || attempt >= 20) {
      throw new AppError(
        'invalid-config',
        `The key file ${keyFile} is damaged: it holds ${key.length} bytes instead of ${KEY_BYTES}. ` +
          'Move it aside to start with a new key (saved passwords and secret keys must then be entered again).',
        { keyFile, length: key.length },
      );
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}
