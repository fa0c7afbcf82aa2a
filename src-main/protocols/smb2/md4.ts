/*
 * MD4 (RFC 1320), in TypeScript. NTLM needs it for exactly one thing: the NT hash, MD4 of the
 * UTF-16LE password (MS-NLMP 3.3.1, NTOWFv1, which NTOWFv2 builds on). Node 17 and later run on
 * OpenSSL 3, whose default provider has no MD4 (createHash('md4') throws "unsupported"), and the
 * legacy provider is a process-wide switch we cannot ask of Electron or of our users. MD4 is
 * broken as a hash; it is here for compatibility only and must not be used for anything else.
 */

/** The constants of rounds 2 and 3 (RFC 1320 3.4): sqrt(2) and sqrt(3), scaled to 32 bits. */
const ROUND2 = 0x5a827999;
const ROUND3 = 0x6ed9eba1;

/** Shift amounts per round, cycled through each round's 16 steps (RFC 1320 3.4). */
const S1 = [3, 7, 11, 19];
const S2 = [3, 5, 9, 13];
const S3 = [3, 9, 11, 15];
/** The order round 3 takes the words of a block in (bit-reversed 0..15). */
const R3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

/**
 * The MD4 digest of `data` (16 bytes). Any length is accepted, including empty; never throws
 * for valid input. Every intermediate is kept to unsigned 32 bits with `>>> 0`, because
 * JavaScript's bitwise operators work on signed 32-bit integers and its `+` on doubles.
 */
export function md4(data: Uint8Array): Buffer {
  // Padding (RFC 1320 3.1, 3.2): 0x80, zeros up to 56 mod 64, then the length in bits as a
  // 64-bit little-endian number. The bit length may exceed 2^32, so it is written in two halves.
  const paddedLength = (Math.floor((data.length + 8) / 64) + 1) * 64;
  const padded = Buffer.alloc(paddedLength);
  padded.set(data, 0);
  padded[data.length] = 0x80;
  padded.writeUInt32LE((data.length * 8) >>> 0, paddedLength - 8);
  padded.writeUInt32LE(Math.floor(data.length / 0x20000000) >>> 0, paddedLength - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Uint32Array(16);

  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(block + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];

    // Round 1: F(x, y, z) = (x AND y) OR (NOT x AND z), words in order.
    for (let i = 0; i < 16; i++) {
      const f = (b & c) | (~b & d);
      const t = rotl((a + f + x[i]!) >>> 0, S1[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }
    // Round 2: G(x, y, z) = majority, words by column (0, 4, 8, 12, 1, 5...).
    for (let i = 0; i < 16; i++) {
      const g = (b & c) | (b & d) | (c & d);
      const k = (i % 4) * 4 + (i >> 2);
      const t = rotl((a + g + x[k]! + ROUND2) >>> 0, S2[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }
    // Round 3: H(x, y, z) = x XOR y XOR z, words in bit-reversed order.
    for (let i = 0; i < 16; i++) {
      const h = b ^ c ^ d;
      const t = rotl((a + h + x[R3_ORDER[i]!]! + ROUND3) >>> 0, S3[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }

    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }

  const digest = Buffer.alloc(16);
  digest.writeUInt32LE(a, 0);
  digest.writeUInt32LE(b, 4);
  digest.writeUInt32LE(c, 8);
  digest.writeUInt32LE(d, 12);
  return digest;
}
