/*
 * RC4 (ARCFOUR), in TypeScript. NTLM uses it for key exchange (the EncryptedRandomSessionKey,
 * MS-NLMP 3.1.5.1.2) and to encrypt the checksum of a signature (3.4.4.2), e.g. SPNEGO's
 * mechListMIC. OpenSSL 3, under Node 17 and later, has RC4 only in the legacy provider, which we
 * cannot turn on from a library. RC4 is broken as a cipher; it is here for compatibility only.
 */

/**
 * `data` encrypted (or decrypted: the same operation) with a fresh RC4 keystream from `key`.
 * Each call starts a new stream; to continue one across messages, pass the messages together.
 * Throws RangeError for a key that is empty or longer than 256 bytes, which RC4 does not define.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length < 1 || key.length > 256) {
    throw new RangeError(`An RC4 key has 1 to 256 bytes, not ${key.length}`);
  }
  // Key scheduling: a permutation of 0..255 stirred by the key.
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  // Keystream generation, XORed into a copy of the data.
  const out = Buffer.from(data);
  for (let n = 0, i = 0, j = 0; n < out.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = out[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}
