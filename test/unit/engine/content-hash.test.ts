import { describe, expect, it } from 'vitest';
import { createContentHasher, hashBytes } from '../../../src-main/engine/content-hash';

// A small file's copy hashes its bytes in one call (hashBytes); VERIFYING compares that value
// with hashes fed chunk by chunk (createContentHasher): the two must agree for every input.

describe('content hashes', () => {
  const inputs = [
    Buffer.alloc(0),
    Buffer.from('hello'),
    Buffer.alloc(4096, 7),
    Buffer.from(Array.from({ length: 300_001 }, (_, i) => (i * 31) % 256)),
  ];

  for (const algorithm of ['xxh64', 'sha256'] as const) {
    it(`${algorithm}: bytes hashed whole equal the same bytes fed in chunks`, async () => {
      for (const data of inputs) {
        const hasher = await createContentHasher(algorithm);
        for (let at = 0; at < data.length; at += 65_536)
          hasher.update(data.subarray(at, at + 65_536));
        const whole = await hashBytes(algorithm, data);
        expect(whole).toBe(hasher.digest());
        expect(whole).toMatch(
          new RegExp(`^${algorithm}:[0-9a-f]{${algorithm === 'xxh64' ? 16 : 64}}$`),
        );
      }
    });
  }

  it('xxh64 of nothing is the published value', async () => {
    expect(await hashBytes('xxh64', Buffer.alloc(0))).toBe('xxh64:ef46db3751d8e999');
  });
});
