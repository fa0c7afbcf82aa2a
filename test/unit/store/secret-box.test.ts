import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileKeySecretBox, SECRET_KEY_FILE } from '../../../src-main/store/secret-box';
import { tempDir } from './store-fixtures';
import { thrown } from '../../support/app-errors';

describe('createFileKeySecretBox', () => {
  it('round-trips text, with a new IV each time', () => {
    const box = createFileKeySecretBox(tempDir());
    const secret = 'pässwörd 🔑 with "quotes"';
    const a = box.encrypt(secret);
    const b = box.encrypt(secret);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(box.decrypt(a)).toBe(secret);
    expect(box.decrypt(box.encrypt(''))).toBe('');
    expect(box.kind).toBe('file-key');
    expect(Buffer.from(a, 'base64')[0]).toBe(1);
  });

  it('creates a 32-byte key file with mode 0600 in a new folder, and reuses it', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const first = createFileKeySecretBox(dir);
    const keyFile = path.join(dir, SECRET_KEY_FILE);
    const key = fs.readFileSync(keyFile);
    expect(key.length).toBe(32);
    if (process.platform !== 'win32') expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const ciphertext = first.encrypt('hunter2');
    const second = createFileKeySecretBox(dir);
    expect(fs.readFileSync(keyFile).equals(key)).toBe(true);
    expect(second.decrypt(ciphertext)).toBe('hunter2');
  });

  it('refuses tampered ciphertext', () => {
    const box = createFileKeySecretBox(tempDir());
    const bytes = Buffer.from(box.encrypt('hunter2'), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    const error = thrown(() => box.decrypt(bytes.toString('base64')));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toMatch(/^A saved secret could not be decrypted/);
    expect(thrown(() => box.decrypt('AQID')).code).toBe('invalid-config');
    expect(thrown(() => box.decrypt('')).code).toBe('invalid-config');
  });

  it('refuses ciphertext made with another key', () => {
    const ciphertext = createFileKeySecretBox(tempDir()).encrypt('hunter2');
    const error = thrown(() => createFileKeySecretBox(tempDir()).decrypt(ciphertext));
    expect(error.code).toBe('invalid-config');
  });

  it('refuses a key file of the wrong length, naming it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SECRET_KEY_FILE), Buffer.alloc(16));
    const error = thrown(() => createFileKeySecretBox(dir));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain(path.join(dir, SECRET_KEY_FILE));
    expect(error.message).toContain('16 bytes');
  });
});
