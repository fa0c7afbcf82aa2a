import { safeStorage } from 'electron';
import { AppError } from '../../src-shared/errors';
import { createFileKeySecretBox, type SecretBox } from '../store/secret-box';

/**
 * The desktop app's SecretBox: Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI
 * on Windows, libsecret/kwallet on Linux). Where no real keychain is available (Linux without a
 * secret service gives only a hard-coded "basic_text" key), it uses the file-key box instead,
 * which is at least a random key of our own.
 */
export function createDesktopSecretBox(dataDir: string): SecretBox {
  const weak =
    process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (!safeStorage.isEncryptionAvailable() || weak) return createFileKeySecretBox(dataDir);
  return {
    kind: 'safe-storage',
    encrypt: (plaintext) => safeStorage.encryptString(plaintext).toString('base64'),
    decrypt: (ciphertext) => {
      try {
        return safeStorage.decryptString(Buffer.from(ciphertext, 'base64'));
      } catch {
        throw new AppError(
          'invalid-config',
          'A saved secret could not be decrypted with the OS keychain; enter it again',
        );
      }
    },
  };
}
