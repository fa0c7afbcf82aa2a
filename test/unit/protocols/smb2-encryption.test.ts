/*
 * SMB 3.x encryption (MS-SMB2 3.1.4.3, 2.2.41): the published Microsoft examples decrypt and
 * re-encrypt byte for byte, every cipher round-trips, and tampered or truncated transform
 * messages fail with SmbCryptoError. (Keys and signing: smb2-crypto.test.ts.)
 */
import type * as NodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decryptMessage,
  deriveKeys,
  encryptMessage,
  encryptMessageParts,
  isTransformHeader,
  SmbCryptoError,
  type Cipher,
} from '../../../src-main/protocols/smb2/smb2-crypto';

// encryptMessage draws its nonce from randomBytes. The published encryption examples fix the
// nonce, so a test can queue the one the example used; with nothing queued the real generator
// answers. `nonceRequests` records the sizes asked for.
const nonces = vi.hoisted(() => ({ queue: [] as Buffer[], requests: [] as number[] }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof NodeCrypto>();
  return {
    ...real,
    randomBytes: (size: number) => {
      nonces.requests.push(size);
      return nonces.queue.shift() ?? real.randomBytes(size);
    },
  };
});

afterEach(() => {
  nonces.queue.length = 0;
  nonces.requests.length = 0;
});

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// Sources of the vectors:
// [RFC4493] RFC 4493, section 4 "Test Vectors".
// [ANATOMY] Microsoft Open Specifications blog, "SMB 2 and SMB 3 security in Windows 10: the
//   anatomy of signing and cryptographic keys" (2017), appendix "Key derivation examples",
//   https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
// [ENC30] Microsoft Open Specifications blog, "Encryption in SMB 3.0: A protocol perspective"
//   (2012), section "Test vector",
//   https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective
// [ENC311] Microsoft Open Specifications blog, "SMB 3.1.1 Encryption in Windows 10" (2015),
//   appendix A.1 "Test vector with AES-GCM" and A.2 "Test vector with AES-CCM",
//   https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10

// [ENC311] A.1 and A.2: session keys and preauth hashes.
const GCM_311 = {
  sessionKey: hex('419FDDF34C1E001909D362AE7FB6AF79'),
  preauth: hex(`B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9
    77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770`),
};

describe('encryption', () => {
  interface Vector {
    name: string;
    cipher: Cipher;
    key: string;
    nonce: string | null;
    sessionId: bigint;
    plaintext: string;
    transformed: string;
  }
  // `nonce` is the cipher nonce the example names; null where the sender filled the whole 16-byte
  // Nonce field (Windows 8 and Server 2012 did), which encryptMessage never does: MS-SMB2 2.2.41
  // has the bytes past the cipher nonce zero.
  const vectors: Vector[] = [
    {
      name: '[ENC30] WRITE request, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '261B72350558F2E9DCF613070383EDBF',
      nonce: null,
      sessionId: 0x8e40014000011n,
      plaintext: `FE534D4240000100000000000900400008000000000000000400000000000000
        FFFE0000010000001100001400E4080000000000000000000000000000000000
        3100700017000000000000000000000015010000390000020100000039020000
        00000000000000007000000000000000536D623320656E6372797074696F6E20
        74657374696E67`,
      transformed: `FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A
        744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5
        2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4
        4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5
        AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6
        C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB`,
    },
    {
      name: '[ENC30] WRITE response, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '8FE2B57EC34D2DB5B1A9727F526BBDB5',
      nonce: null,
      sessionId: 0x8e40014000011n,
      plaintext: `FE534D4240000100000000000900210009000000000000000400000000000000
        FFFE0000010000001100001400E4080000000000000000000000000000000000
        11000000170000000000000000000000`,
      transformed: `FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014
        00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079
        E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787
        1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1
        77309E5B`,
    },
    {
      name: '[ENC30] READ request, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '261B72350558F2E9DCF613070383EDBF',
      nonce: null,
      sessionId: 0x8e40014000011n,
      plaintext: `FE534D4240000100000000000800400008000000000000000500000000000000
        FFFE0000010000001100001400E4080000000000000000000000000000000000
        3100000017000000000000000000000015010000390000020100000039020000
        0000000000000000000000000000000000`,
      transformed: `FD534D42E93601498B76D6F7A72D5EF9B6C79FAFA5123A25F983E245983F413B
        8B429AF271000000000001001100001400E408009A464F709AA663F8C2FC3907
        D63CBF6F98B1E3DD649ED366009FD0B40A365224718E5440E053F6E01AE462FD
        B721BF91C3A6E52E14F9EFF005F445761289FF1272908B52754C8FCB949F228A
        C104A66204289A205BCBC47509D04AF9A907002B96863358B3B7CBA5E3779300
        74FCDF3550`,
    },
    {
      name: '[ENC30] READ response, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '8FE2B57EC34D2DB5B1A9727F526BBDB5',
      nonce: null,
      sessionId: 0x8e40014000011n,
      plaintext: `FE534D4240000100000000000800210009000000000000000500000000000000
        FFFE0000010000001100001400E4080000000000000000000000000000000000
        11005000170000000000000000000000536D623320656E6372797074696F6E20
        74657374696E67`,
      transformed: `FD534D42ABD518B68C2F04D7879F482B689EB83F870000000000000011000014
        00E4080067000000000001001100001400E40800493D6FE2BDBEB435CF5F5469
        70C7BB57BF20E713C75A3D045507E0D68E5C0346659D6FFB8AC1504A786CA2BB
        89C9E7FE4F313E910A04180D2D0EA7DF636329E5A3285984500EF86FE9D55DA4
        FAB9531CFDD4C551D47F3C73124BB4590A45052B694048B991CCF5`,
    },
    {
      name: '[ENC311] A.1 WRITE request, AES-128-GCM',
      cipher: 'AES-128-GCM',
      key: 'A2F5E80E5D59103034F32E52F698E5EC',
      nonce: 'C7D6822D269CAF48904C664C',
      sessionId: 0x100000000025n,
      plaintext: `FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000
        25000000001000000000000000000000000000000000000031007000170000000000000000000000
        0600000004000000010000000400000000000000000000007000000000000000536D623320656E63
        72797074696F6E2074657374696E67`,
      transformed: `FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000
        0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02
        D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4
        4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9
        1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8`,
    },
    {
      name: '[ENC311] A.1 WRITE response, AES-128-GCM',
      cipher: 'AES-128-GCM',
      key: '748C50868C90F302962A5C35F5F9A8BF',
      nonce: 'E06831DD2E8EB7B400000000',
      sessionId: 0x100000000025n,
      plaintext: `FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000
        25000000001000000000000000000000000000000000000011000000170000000000000000000000`,
      transformed: `FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000
        00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8
        F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B
        82E03C9E18A050FF0EA1C967`,
    },
    {
      name: '[ENC311] A.1 READ request, AES-128-GCM',
      cipher: 'AES-128-GCM',
      key: 'A2F5E80E5D59103034F32E52F698E5EC',
      nonce: 'D7AA8C6D36859243B715E0A6',
      sessionId: 0x100000000025n,
      plaintext: `FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000
        25000000001000000000000000000000000000000000000031000000170000000000000000000000
        060000000400000001000000040000000000000000000000000000000000000000`,
      transformed: `FD534D426DAC0B6FD85A3ED42BB917DA38FE0386D7AA8C6D36859243B715E0A60000000071000000
        00000100250000000010000088A47BF09CA3C3141CDD7306BE9D9475AB24FCCB833D77461C041F8F
        B983D0C188F0729272B31D9D3D0DC6B687C069EEE0CC8EACA2C536D019ACC9E185D1EB630E0FCB79
        3EEECEB06D82A1D77706E700DBEBFB4FEB54D7AD2D97E7288804F90757FE4D08D6A84A3FF433E745
        1E768E4699`,
    },
    {
      name: '[ENC311] A.1 READ response, AES-128-GCM',
      cipher: 'AES-128-GCM',
      key: '748C50868C90F302962A5C35F5F9A8BF',
      nonce: 'E16831DD2E8EB7B400000000',
      sessionId: 0x100000000025n,
      plaintext: `FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000
        25000000001000000000000000000000000000000000000011005000170000000000000000000000
        536D623320656E6372797074696F6E2074657374696E67`,
      transformed: `FD534D427F714B3B9D8FA1198584E71C2BAA1CB6E16831DD2E8EB7B4000000000000000067000000
        000001002500000000100000FECEDF4D03BB11A6CC5D8A53BE33D6D8701986342B4197D306E16F9C
        BB218E92F7F8281F51CE68BB85A20D87DE90EBBF80538066D1C37513C0A58D70936D537B624F5500
        202A612B6CD30D448A82791A0B2E049ED512AFAEFB06E98AB3D6F931D7D50DB2DBD36A`,
    },
    {
      name: '[ENC311] A.2 WRITE request, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: 'DFAAA31AAE40A2485D47AC4DF09FDA1D',
      nonce: '9F6F1EAAD7E9F24AACD38F',
      sessionId: 0x100000000021n,
      plaintext: `FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000
        21000000001000000000000000000000000000000000000031007000170000000000000000000000
        0500000004000000010000000400000000000000000000007000000000000000536D623320656E63
        72797074696F6E2074657374696E67`,
      transformed: `FD534D42E89551D666DAB8993488F5A97103116C9F6F1EAAD7E9F24AACD38F000000000087000000
        00000100210000000010000056A74778199A9D2B6E9C3A376FD88D27680694FED253A313BEB07381
        AE8689F973ACDB8D716E4477803BCE53A92E1B81FA3E965AD9AF2C89C08CE66A344664453B8FC881
        18EDC9814CF58E92AA465E6EFB09958A9FDAD96FBD55B36A710C30D5E7C64AD7B9449F9F17EDD024
        FE8BA79154F340A82740D1D5180C69B0A2DE6A4BA893BD55D3210E`,
    },
    {
      name: '[ENC311] A.2 WRITE response, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '95C544AEF6072680DA1CE49A68A97FA6',
      nonce: 'D96831DD2E8EB7B4000000',
      sessionId: 0x100000000021n,
      plaintext: `FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000
        21000000001000000000000000000000000000000000000011000000170000000000000000000000`,
      transformed: `FD534D42DD33EC41A927DD51476FE887C2D3C136D96831DD2E8EB7B4000000000000000050000000
        000001002100000000100000F783157E0F6F1C055D746753CA16D20C21088E2A67564E056C2F68A7
        F14F226C3BD809B7A2D52E5FE4ECF49821BC6001733430CF174E2764B3CCB213AAD8BB9FBAF6C15E
        13D9120965390E004A96A3F7`,
    },
    {
      name: '[ENC311] A.2 READ request, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: 'DFAAA31AAE40A2485D47AC4DF09FDA1D',
      nonce: 'A0F92E964EDC3049B86E19',
      sessionId: 0x100000000021n,
      plaintext: `FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000
        21000000001000000000000000000000000000000000000031000000170000000000000000000000
        050000000400000001000000040000000000000000000000000000000000000000`,
      transformed: `FD534D4235BF9600C841F0CDA9BD1BC3727B7E36A0F92E964EDC3049B86E19000000000071000000
        000001002100000000100000C4CCD3EB483A0638E69C99E391E7F64BCC10D6BEE46FEEA258C4BCAF
        792CB5A6E69283924081806DAB64827E9D14A5345D5221AB6DAFCB0E89FC2606B63D92163F4F6C93
        D1213D86ABF123B93EAD3AEF9A3471EFD68A423A00A6E0064D9AE3C842EFFFAD236A3BF25D37F4CD
        054C97DE18`,
    },
    {
      name: '[ENC311] A.2 READ response, AES-128-CCM',
      cipher: 'AES-128-CCM',
      key: '95C544AEF6072680DA1CE49A68A97FA6',
      nonce: 'DA6831DD2E8EB7B4000000',
      sessionId: 0x100000000021n,
      plaintext: `FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000
        21000000001000000000000000000000000000000000000011005000170000000000000000000000
        536D623320656E6372797074696F6E2074657374696E67`,
      transformed: `FD534D42E241A13C7E1EE42ECF1FD69F3B8668C6DA6831DD2E8EB7B4000000000000000067000000
        00000100210000000010000015D67234FC8358D7BA1BF037ABC8EFD41A0A8F9BB04B16DEB1E85606
        BD8C2770823FE6239A286CB3E3D5762ABBD53FD8DE11ED491FE905E146A8FFCE09414AB741103D63
        7E28B19C6BA759B399DCC21FAE24CF2A455A13B215FC2857ABB513927F9F271D1C208B`,
    },
  ];

  it.each(vectors)('decrypts the published message: $name', (vector) => {
    const { sessionId, message } = decryptMessage(
      hex(vector.transformed),
      hex(vector.key),
      vector.cipher,
    );
    expect(message.toString('hex')).toBe(hex(vector.plaintext).toString('hex'));
    expect(sessionId).toBe(vector.sessionId);
  });

  it.each(vectors.filter((vector) => vector.nonce !== null))(
    'encrypts to the published message, given its nonce: $name',
    (vector) => {
      nonces.queue.push(hex(vector.nonce as string));
      const out = encryptMessage(
        hex(vector.plaintext),
        hex(vector.key),
        vector.cipher,
        vector.sessionId,
      );
      expect(nonces.requests).toEqual([vector.cipher.endsWith('CCM') ? 11 : 12]);
      expect(out.toString('hex')).toBe(hex(vector.transformed).toString('hex'));
    },
  );

  it('the keys derived from the published session keys decrypt the published responses', () => {
    // [ENC311] A.1: the client's DecryptionKey opens the server's WRITE response.
    const gcm = deriveKeys(0x0311, GCM_311.sessionKey, GCM_311.preauth, 'AES-128-GCM');
    const response = vectors[5] as Vector;
    expect(
      decryptMessage(hex(response.transformed), gcm.decryptionKey, 'AES-128-GCM').message,
    ).toEqual(hex(response.plaintext));
    // And not with the EncryptionKey: the directions have different keys.
    expect(() =>
      decryptMessage(hex(response.transformed), gcm.encryptionKey, 'AES-128-GCM'),
    ).toThrow(SmbCryptoError);
  });

  const ciphers: Cipher[] = ['AES-128-CCM', 'AES-128-GCM', 'AES-256-CCM', 'AES-256-GCM'];
  const keyFor = (cipher: Cipher): Buffer =>
    Buffer.alloc(cipher.startsWith('AES-256') ? 32 : 16, 0x5a);
  const plaintext = Buffer.concat([hex('FE534D4240000100'), Buffer.alloc(120, 0x33)]);

  it.each(ciphers)('%s: round trip through a well-formed TRANSFORM_HEADER', (cipher) => {
    const key = keyFor(cipher);
    const sessionId = 0xfedcba9876543210n;
    const out = encryptMessage(plaintext, key, cipher, sessionId);
    expect(out).toHaveLength(52 + plaintext.length);
    expect(out.subarray(0, 4).toString('hex')).toBe('fd534d42');
    expect(isTransformHeader(out)).toBe(true);
    const nonceBytes = cipher.endsWith('CCM') ? 11 : 12;
    expect(out.subarray(20 + nonceBytes, 36).equals(Buffer.alloc(16 - nonceBytes))).toBe(true);
    expect(out.subarray(20, 20 + nonceBytes).equals(Buffer.alloc(nonceBytes))).toBe(false);
    expect(out.readUInt32LE(36)).toBe(plaintext.length);
    expect(out.readUInt16LE(40)).toBe(0);
    expect(out.readUInt16LE(42)).toBe(1);
    expect(out.readBigUInt64LE(44)).toBe(sessionId);
    expect(out.subarray(52).includes(plaintext.subarray(8, 40))).toBe(false); // it is encrypted
    expect(decryptMessage(out, key, cipher)).toEqual({ sessionId, message: plaintext });
    // A fresh nonce every time: the same message never encrypts the same way twice.
    expect(encryptMessage(plaintext, key, cipher, sessionId).subarray(20, 36)).not.toEqual(
      out.subarray(20, 36),
    );
  });

  it.each(ciphers)('%s: tampered ciphertext, tag or authenticated header fails', (cipher) => {
    const key = keyFor(cipher);
    const out = encryptMessage(plaintext, key, cipher, 42n);
    // Signature (tag), Nonce, its zero padding, Reserved, SessionId, and ciphertext bytes.
    for (const at of [4, 19, 20, 31, 35, 40, 44, 51, 52, 100, out.length - 1]) {
      const tampered = Buffer.from(out);
      tampered[at] = (tampered[at] as number) ^ 0x80;
      expect(() => decryptMessage(tampered, key, cipher), `byte ${at}`).toThrow(SmbCryptoError);
    }
    const wrongKey = Buffer.from(key);
    wrongKey[0] = (wrongKey[0] as number) ^ 1;
    expect(() => decryptMessage(out, wrongKey, cipher)).toThrow(/does not authenticate/);
    // Under another cipher of the same key size.
    const other = ciphers.find((c) => c !== cipher && keyFor(c).length === key.length) as Cipher;
    expect(() => decryptMessage(out, key, other)).toThrow(SmbCryptoError);
  });

  it('refuses a malformed header before decrypting anything', () => {
    const key = keyFor('AES-128-GCM');
    const out = encryptMessage(plaintext, key, 'AES-128-GCM', 1n);
    const flags = Buffer.from(out);
    flags.writeUInt16LE(2, 42);
    expect(() => decryptMessage(flags, key, 'AES-128-GCM')).toThrow(/Flags\/EncryptionAlgorithm/);
    const size = Buffer.from(out);
    size.writeUInt32LE(plaintext.length - 1, 36);
    expect(() => decryptMessage(size, key, 'AES-128-GCM')).toThrow(/OriginalMessageSize/);
    size.writeUInt32LE(0xffffffff, 36);
    expect(() => decryptMessage(size, key, 'AES-128-GCM')).toThrow(/OriginalMessageSize/);
    const protocol = Buffer.from(out);
    protocol[0] = 0xfe;
    expect(isTransformHeader(protocol)).toBe(false);
    expect(() => decryptMessage(protocol, key, 'AES-128-GCM')).toThrow(/ProtocolId/);
    expect(() => decryptMessage(Buffer.concat([out, Buffer.of(0)]), key, 'AES-128-GCM')).toThrow(
      SmbCryptoError,
    );
  });

  it.each(ciphers)(
    '%s: every truncation of a transformed message fails with SmbCryptoError',
    (cipher) => {
      const key = keyFor(cipher);
      const out = encryptMessage(plaintext.subarray(0, 70), key, cipher, 7n);
      for (let length = 0; length < out.length; length++) {
        let thrown: unknown;
        try {
          decryptMessage(out.subarray(0, length), key, cipher);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `length ${length}`).toBeInstanceOf(SmbCryptoError);
      }
      expect(isTransformHeader(out.subarray(0, 3))).toBe(false);
      expect(isTransformHeader(out.subarray(0, 4))).toBe(true);
    },
  );

  it('refuses keys of the wrong size, unknown ciphers and empty messages', () => {
    expect(() => encryptMessage(plaintext, Buffer.alloc(16), 'AES-256-GCM', 1n)).toThrow(
      /32-byte key/,
    );
    expect(() => encryptMessage(plaintext, Buffer.alloc(32), 'AES-128-CCM', 1n)).toThrow(
      /16-byte key/,
    );
    expect(() => decryptMessage(Buffer.alloc(100), Buffer.alloc(8), 'AES-128-GCM')).toThrow(
      SmbCryptoError,
    );
    expect(() => encryptMessage(plaintext, Buffer.alloc(16), 'DES' as Cipher, 1n)).toThrow(
      /Unknown cipher/,
    );
    expect(() => encryptMessage(Buffer.alloc(0), Buffer.alloc(16), 'AES-128-GCM', 1n)).toThrow(
      SmbCryptoError,
    );
    expect(() => encryptMessage(plaintext, Buffer.alloc(16), 'AES-128-GCM', -1n)).toThrow(
      RangeError,
    );
  });
});

describe('encryption of a message in pieces (a WRITE and its data, never joined)', () => {
  const ciphers: Cipher[] = ['AES-128-GCM', 'AES-128-CCM', 'AES-256-GCM', 'AES-256-CCM'];
  it.each(ciphers)('%s: the pieces decrypt to the whole message', (cipher) => {
    const key = Buffer.alloc(cipher.startsWith('AES-256') ? 32 : 16, 7);
    const message = Buffer.alloc(112, 0x11);
    message.writeUInt32LE(0x424d53fe, 0);
    const data = [Buffer.alloc(5000, 0x22), Buffer.alloc(3, 0x33), Buffer.alloc(70_000, 0x44)];
    const parts = encryptMessageParts(message, key, cipher, 9n, data);
    const wire = Buffer.concat(parts);
    expect(wire.readUInt32LE(36)).toBe(112 + 5003 + 70_000);
    expect(decryptMessage(wire, key, cipher)).toEqual({
      sessionId: 9n,
      message: Buffer.concat([message, ...data]),
    });
  });
});
