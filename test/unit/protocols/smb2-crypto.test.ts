import { createCipheriv, createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aesCmac,
  defaultSigningAlgorithm,
  deriveKeys,
  kdf,
  preauthHash,
  signMessage,
  SmbCryptoError,
  verifySignature,
  verifySignedBeforeChaining,
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

describe('AES-CMAC (RFC 4493)', () => {
  // [RFC4493] section 4: the key and the message whose prefixes examples 1 to 4 sign.
  const key = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
  const message = hex(`6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51
    30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710`);

  it.each([
    ['example 1, the empty message (one padded block)', 0, 'bb1d6929 e9593728 7fa37d12 9b756746'],
    ['example 2, one whole block', 16, '070a16b4 6b4d4144 f79bdd9d d04a287c'],
    ['example 3, a partial last block', 40, 'dfa66747 de9ae630 30ca3261 1497c827'],
    ['example 4, four whole blocks', 64, '51f0bebf 7e3b9d92 fc497417 79363cfe'],
  ])('%s', (_name, length, tag) => {
    expect(aesCmac(key, message.subarray(0, length)).toString('hex')).toBe(
      hex(tag).toString('hex'),
    );
  });

  it('pads with 0x80 then zeros, so a trailing zero byte changes the tag', () => {
    expect(aesCmac(key, Buffer.from([1, 2, 3]))).not.toEqual(
      aesCmac(key, Buffer.from([1, 2, 3, 0])),
    );
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => aesCmac(Buffer.alloc(32), message)).toThrow(SmbCryptoError);
  });
});

describe('key derivation (SP800-108 KDF)', () => {
  const keysHex = (keys: ReturnType<typeof deriveKeys>) => ({
    signingKey: keys.signingKey.toString('hex'),
    encryptionKey: keys.encryptionKey.toString('hex'),
    decryptionKey: keys.decryptionKey.toString('hex'),
    applicationKey: keys.applicationKey.toString('hex'),
  });
  const expected = (signing: string, encryption: string, decryption: string, application: string) =>
    keysHex({
      signingKey: hex(signing),
      encryptionKey: hex(encryption),
      decryptionKey: hex(decryption),
      applicationKey: hex(application),
    });

  it('derives the published 3.0 keys ([ANATOMY], SMB 3.0 multichannel, master session)', () => {
    const keys = deriveKeys(0x0300, hex('7CD451825D0450D235424E44BA6E78CC'), null, null);
    expect(keysHex(keys)).toEqual(
      expected(
        '0B7E9C5CAC36C0F6EA9AB275298CEDCE',
        'FAD27796665B313EBB578F388632B4F7',
        'B0F0427F7CEB416D1D9DCC0CD4F99447',
        'BB23A4575AA26C721AF525AF15A87B4F',
      ),
    );
  });

  it('derives the published 3.0 keys ([ENC30], session 0x8e40014000011)', () => {
    const keys = deriveKeys(0x0300, hex('B4546771B515F766A86735532DD6C4F0'), null, 'AES-128-CCM');
    expect(keysHex(keys)).toEqual(
      expected(
        'F773CD23C18FD1E08EE510CADA7CF852',
        '261B72350558F2E9DCF613070383EDBF',
        '8FE2B57EC34D2DB5B1A9727F526BBDB5',
        '77432F808CE99156B5BC6A3676D730D1',
      ),
    );
    // 3.0.2 uses the same constants.
    expect(
      keysHex(deriveKeys(0x0302, hex('B4546771B515F766A86735532DD6C4F0'), null, null)),
    ).toEqual(keysHex(keys));
  });

  it('derives the published 3.1.1 keys from the preauth integrity hash ([ANATOMY], [ENC311])', () => {
    // [ANATOMY] SMB 3.1.1 multichannel, master session, CypherId 0x0002.
    const anatomy = deriveKeys(
      0x0311,
      hex('270E1BA896585EEB7AF3472D3B4C75A7'),
      hex(`0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB79
        28622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01`),
      'AES-128-GCM',
    );
    expect(keysHex(anatomy)).toEqual(
      expected(
        '73FE7A9A77BEF0BDE49C650D8CCB5F76',
        '629BCBC54422A0F572B97F45989B6073',
        'E2AF0DCEFAC68DA71A0DFBD0D1350D74',
        '6D7AD7954E9EC61E907B4D473DC178FF',
      ),
    );
    // [ENC311] A.1, session 0x100000000025, AES-128-GCM.
    const gcm = deriveKeys(0x0311, GCM_311.sessionKey, GCM_311.preauth, 'AES-128-GCM');
    expect(keysHex(gcm)).toEqual(
      expected(
        '8765949DFEAEE105CE9118B45BE988F0',
        'A2F5E80E5D59103034F32E52F698E5EC',
        '748C50868C90F302962A5C35F5F9A8BF',
        '099D610789FBE82055B313601C3E8CC4',
      ),
    );
    // [ENC311] A.2, session 0x100000000021, AES-128-CCM.
    const ccm = deriveKeys(0x0311, CCM_311.sessionKey, CCM_311.preauth, 'AES-128-CCM');
    expect(keysHex(ccm)).toEqual(
      expected(
        '3DCC82C5795AE27F383242761078C59B',
        'DFAAA31AAE40A2485D47AC4DF09FDA1D',
        '95C544AEF6072680DA1CE49A68A97FA6',
        '7A2F0F73EC2D530879B2913BBFCE242F',
      ),
    );
  });

  it('kdf takes the label with its NUL and the context as given ([ANATOMY] binding channel)', () => {
    // [ANATOMY] SMB 3.1.1 second channel: SessionKey 84B9…, preauth hash EA3B…, SigningKey C962….
    const signingKey = kdf(
      hex('84B9DBB730116A8FA6E9889555C265F9'),
      Buffer.from('SMBSigningKey\0'),
      BINDING_PREAUTH,
    );
    expect(signingKey.toString('hex')).toBe('c962bca1a9dd1697b030644199705431');
    // Without the NUL the label is another label.
    expect(
      kdf(hex('84B9DBB730116A8FA6E9889555C265F9'), Buffer.from('SMBSigningKey'), BINDING_PREAUTH),
    ).not.toEqual(signingKey);
  });

  it('kdf with L=256 is one HMAC block over [1] || label || 0 || context || [256]', () => {
    const key = Buffer.alloc(32, 7);
    const label = Buffer.from('SMBC2SCipherKey\0');
    const context = Buffer.alloc(64, 9);
    const reference = createHmac('sha256', key)
      .update(hex('00000001'))
      .update(label)
      .update(Buffer.of(0))
      .update(context)
      .update(hex('00000100'))
      .digest();
    const k256 = kdf(key, label, context, 256);
    expect(k256).toEqual(reference);
    // L is an input of the PRF, so the 128-bit key is not the first half of the 256-bit one.
    expect(kdf(key, label, context, 128)).toHaveLength(16);
    expect(kdf(key, label, context, 128)).not.toEqual(k256.subarray(0, 16));
    expect(() => kdf(key, label, context, 192 as 128)).toThrow(SmbCryptoError);
  });

  it('256-bit ciphers take 256-bit cipher keys from the full session key, signing stays 128-bit', () => {
    // A Kerberos AES-256 session key is 32 bytes; Session.SessionKey is its first 16.
    const fullKey = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
    const hash = GCM_311.preauth;
    const keys = deriveKeys(0x0311, fullKey, hash, 'AES-256-GCM');
    expect(keys.encryptionKey).toEqual(kdf(fullKey, Buffer.from('SMBC2SCipherKey\0'), hash, 256));
    expect(keys.decryptionKey).toEqual(kdf(fullKey, Buffer.from('SMBS2CCipherKey\0'), hash, 256));
    expect(keys.encryptionKey).toHaveLength(32);
    expect(keys.encryptionKey).not.toEqual(
      kdf(fullKey.subarray(0, 16), Buffer.from('SMBC2SCipherKey\0'), hash, 256),
    );
    // Signing and application keys: from the first 16 bytes, L=128, whatever the cipher.
    const truncated = deriveKeys(0x0311, fullKey.subarray(0, 16), hash, 'AES-128-GCM');
    expect(keys.signingKey).toEqual(truncated.signingKey);
    expect(keys.applicationKey).toEqual(truncated.applicationKey);
    expect(keys.signingKey).toHaveLength(16);
    // And the 128-bit ciphers use the first 16 bytes only.
    expect(deriveKeys(0x0311, fullKey, hash, 'AES-128-CCM')).toEqual(truncated);
  });

  it('2.x signs with the session key itself, zero-padded to 16 bytes, and has no encryption', () => {
    const keys = deriveKeys(0x0210, hex('0102030405060708'), null, null);
    expect(keys.signingKey.toString('hex')).toBe('01020304050607080000000000000000');
    expect(keys.applicationKey).toEqual(keys.signingKey);
    expect(keys.encryptionKey).toHaveLength(0);
    expect(keys.decryptionKey).toHaveLength(0);
    // Only the first 16 bytes of a longer key.
    expect(deriveKeys(0x0202, Buffer.alloc(32, 0xab), null, null).signingKey).toEqual(
      Buffer.alloc(16, 0xab),
    );
  });

  it('refuses what does not go together', () => {
    const key = Buffer.alloc(16, 1);
    expect(() => deriveKeys(0x0202, key, null, 'AES-128-CCM')).toThrow(SmbCryptoError);
    expect(() => deriveKeys(0x0300, key, null, 'AES-128-GCM')).toThrow(SmbCryptoError);
    expect(() => deriveKeys(0x0311, key, null, 'AES-128-GCM')).toThrow(/64-byte preauth/);
    expect(() => deriveKeys(0x0311, key, Buffer.alloc(32), null)).toThrow(SmbCryptoError);
    expect(() => deriveKeys(0x0311, Buffer.alloc(0), Buffer.alloc(64), null)).toThrow(/guest/);
    expect(() => deriveKeys(0x0301 as 0x0300, key, null, null)).toThrow(
      /Unknown SMB2 dialect 0x0301/,
    );
    expect(() => deriveKeys(0x0311, key, Buffer.alloc(64), 'AES-512-GCM' as Cipher)).toThrow(
      SmbCryptoError,
    );
  });

  it('names the default signing algorithm of each dialect', () => {
    expect(defaultSigningAlgorithm(0x0202)).toBe('HMAC-SHA256');
    expect(defaultSigningAlgorithm(0x0210)).toBe('HMAC-SHA256');
    expect(defaultSigningAlgorithm(0x0300)).toBe('AES-CMAC');
    expect(defaultSigningAlgorithm(0x0302)).toBe('AES-CMAC');
    expect(defaultSigningAlgorithm(0x0311)).toBe('AES-CMAC');
    expect(() => defaultSigningAlgorithm(0x0100 as 0x0202)).toThrow(SmbCryptoError);
  });
});

describe('preauth integrity hash (3.1.1)', () => {
  it('chains NEGOTIATE and SESSION_SETUP into the published values and keys ([ANATOMY])', () => {
    // [ANATOMY] SMB 3.1.1 multichannel, master session: each message, then the hash after it.
    const steps: [string, string][] = [
      [
        `FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000
        00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32
        6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000
        010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000
        0200060000000000020002000100`,
        `DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0
        CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426`,
      ],
      [
        `FE534D4240000100000000000000010001000000000000000100000000000000FFFE000000000000
        000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942
        BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED00109094AB095AED001
        80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182
        3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000
        60000000700000007C7CC0FD06D6362D02DDE1CF343BFE292900F49750B4AA97934D9C4296B26E51
        FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000
        5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000
        7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000
        3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562
        6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075
        626C6963204B6579010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4
        83CA5B65385A251117BEB30712E50000020004000000000001000200`,
        `324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE3C94A79F36011E99
        7E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513`,
      ],
      [
        `FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000
        00000000000000000000000000000000000000000000000019000001010000000000000058004A00
        0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A
        04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000
        000F`,
        `AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5D432F8ED42C55E33
        197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9`,
      ],
      [
        `FE534D4240000100160000C00100010001000000000000000200000000000000FFFE000000000000
        190000000010000000000000000000000000000000000000090000004800B300A181B03081ADA003
        0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038
        00000015828AE20D1D8BA31179D008000000000000000050005000440000000A0092270000000F53
        005500540033003100310002000C0053005500540033003100310001000C00530055005400330031
        00310004000C0053005500540033003100310003000C0053005500540033003100310007000800A1
        A1F5ADCBAED00100000000`,
        `2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B8835740A7376008563336
        4C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387`,
      ],
      [
        `FE534D4240000100000000000100800000000000000000000300000000000000FFFE000000000000
        1900000000100000000000000000000000000000000000001900000101000000000000005800CF01
        0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000
        001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000
        001000100096010000158288E2060380250000000FECAC77A5F385A8BF9C38C706EEEDDCD3530055
        005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049
        0056004500520033003100310000000000000000000000000000000000000000000000000063078E
        B639FE03E20A231C3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F000000
        0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055
        00540033003100310003000C0053005500540033003100310007000800A1A1F5ADCBAED001060004
        00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B
        8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016
        0063006900660073002F005300550054003300310031000000000000000000000000003B9BDFF38F
        5EE8F9663F11A0F4C03A78A31204100100000063775A9A5FD97F0600000000`,
        `0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97
        51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01`,
      ],
    ];
    let hash: Buffer = Buffer.alloc(64);
    for (const [message, after] of steps) {
      hash = preauthHash(hash, hex(message));
      expect(hash.toString('hex')).toBe(hex(after).toString('hex'));
    }
    // The final hash is the context of the session's keys, and its SigningKey verifies the
    // signed final SESSION_SETUP response that follows.
    const keys = deriveKeys(0x0311, hex('270E1BA896585EEB7AF3472D3B4C75A7'), hash, 'AES-128-GCM');
    expect(keys.signingKey.toString('hex')).toBe('73fe7a9a77bef0bde49c650d8ccb5f76');
    expect(verifySignature(ANATOMY_FINAL_RESPONSE, keys.signingKey, 'AES-CMAC')).toBe(true);
  });

  it('depends on every byte and on the order of the messages', () => {
    const a = Buffer.from('negotiate request');
    const b = Buffer.from('negotiate response');
    const zero = Buffer.alloc(64);
    const ab = preauthHash(preauthHash(zero, a), b);
    expect(ab).toHaveLength(64);
    expect(preauthHash(preauthHash(zero, b), a)).not.toEqual(ab);
    expect(preauthHash(zero, Buffer.concat([a, b]))).not.toEqual(ab);
    expect(() => preauthHash(Buffer.alloc(32), a)).toThrow(SmbCryptoError);
  });
});

// [ANATOMY] SMB 3.1.1 master session: the final SESSION_SETUP response, signed with SigningKey
// 73FE7A9A77BEF0BDE49C650D8CCB5F76 ("SessionSetup response header signature
// 0xEBE146DA120BA25FC3376A49DFE31BC1").
const ANATOMY_FINAL_RESPONSE = hex(`
  FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000
  1900000000100000EBE146DA120BA25FC3376A49DFE31BC10900000048001D00A11B3019A0030A01
  00A3120410010000003B453CDC3524164200000000`);
// [ANATOMY] second channel (session binding): the preauth hash its keys come from.
const BINDING_PREAUTH = hex(`
  EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD3063425E49E88A10BD022124CE2512
  3BC9111F52D9566BA88BF46344E6063DC5E3FF0389026F6C`);
// [ENC311] A.1 and A.2: session keys and preauth hashes.
const GCM_311 = {
  sessionKey: hex('419FDDF34C1E001909D362AE7FB6AF79'),
  preauth: hex(`B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9
    77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770`),
};
const CCM_311 = {
  sessionKey: hex('07B7F69C1E2581662DF6987E88F9E891'),
  preauth: hex(`DECF98A420718718F22090D3580FCC5E484BD310FA1268210C6E86335A8891E767F5BCD99FA5A785
    9D665AD07A73EA94E1BCDB7CFA69A6962A28A244138340B1`),
};

describe('signing', () => {
  // Published signed messages, all AES-128-CMAC (3.1.1 without SMB2_SIGNING_CAPABILITIES).
  const signed: [string, string, Buffer][] = [
    [
      '[ANATOMY] master session, final SESSION_SETUP response',
      '73FE7A9A77BEF0BDE49C650D8CCB5F76',
      ANATOMY_FINAL_RESPONSE,
    ],
    [
      // "SessionSetup response header signature 0x8D604217FFBACF40635BF9D872992150", signed with
      // the channel's SigningKey C962….
      '[ANATOMY] second channel, final SESSION_SETUP response',
      'C962BCA1A9DD1697B030644199705431',
      hex(`FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000
        19000000001000008D604217FFBACF40635BF9D8729921500900000048001D00A11B3019A0030A01
        00A312041001000000CFB046FC5D368E2200000000`),
    ],
    [
      // The binding SESSION_SETUP request is signed with the master session's SigningKey.
      '[ANATOMY] second channel, binding SESSION_SETUP request (signature 0x68BD0C58…)',
      '73FE7A9A77BEF0BDE49C650D8CCB5F76',
      hex(`FE534D4240000100000000000100800008000000000000000200000000000000FFFE000000000000
        190000000010000068BD0C58F613CE1334B1EB51C68D39EA19000101010000000000000058004A00
        0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A
        04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000
        000F`),
    ],
    [
      // A SESSION_SETUP response other than STATUS_SUCCESS (here MORE_PROCESSING_REQUIRED) is
      // verified with Session.SigningKey too (MS-SMB2 3.2.5.1.3).
      '[ANATOMY] second channel, interim SESSION_SETUP response (signature 0x014A71CA…)',
      '73FE7A9A77BEF0BDE49C650D8CCB5F76',
      hex(`FE534D4240000100160000C00100010009000000000000000200000000000000FFFE000000000000
        1900000000100000014A71CAE724995E612430E2BE87578C090000004800B300A181B03081ADA003
        0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038
        00000015828AE23823DA68E32D2FE1000000000000000050005000440000000A0092270000000F53
        005500540033003100310002000C0053005500540033003100310001000C00530055005400330031
        00310004000C0053005500540033003100310003000C005300550054003300310031000700080041
        3B42AECBAED00100000000`),
    ],
    [
      '[ENC311] A.1, final SESSION_SETUP response (signature 0x6B85A451…)',
      '8765949DFEAEE105CE9118B45BE988F0',
      hex(`FE534D4240000100000000000100800009000000000000000200000000000000FFFE000000000000
        25000000001000006B85A4519A0F3EEA35BA946DD3AFE6B80900000048001D00A11B3019A0030A01
        00A3120410010000003932A87523AB660100000000`),
    ],
    [
      '[ENC311] A.2, final SESSION_SETUP response (signature 0x3676196A…)',
      '3DCC82C5795AE27F383242761078C59B',
      hex(`FE534D4240000100000000000100800009000000000000000200000000000000FFFE000000000000
        21000000001000003676196AEE8CA17E5D50A53642EF2BE40900000048001D00A11B3019A0030A01
        00A3120410010000000F57444342A2717E00000000`),
    ],
  ];

  it.each(signed)(
    'verifies and reproduces the published AES-CMAC signature: %s',
    (_name, key, message) => {
      expect(verifySignature(message, hex(key), 'AES-CMAC')).toBe(true);
      // Signing the message with its Signature zeroed and SMB2_FLAGS_SIGNED cleared gives it back.
      const unsigned = Buffer.from(message);
      unsigned.fill(0, 48, 64);
      unsigned.writeUInt32LE(unsigned.readUInt32LE(16) & ~0x8, 16);
      signMessage(unsigned, hex(key), 'AES-CMAC');
      expect(unsigned.toString('hex')).toBe(message.toString('hex'));
    },
  );

  /** An SMB2 request: header (MessageId 7, SessionId 0x1122334455667788), then a body. */
  const request = (command = 0x0008, body = 'a READ request body, 33 bytes....'): Buffer => {
    const header = Buffer.alloc(64);
    hex('FE534D42').copy(header, 0);
    header.writeUInt16LE(64, 4);
    header.writeUInt16LE(command, 12);
    header.writeBigUInt64LE(7n, 24);
    header.writeBigUInt64LE(0x1122334455667788n, 40);
    header.fill(0xee, 48, 64); // leftovers in the Signature field must not count
    return Buffer.concat([header, Buffer.from(body)]);
  };

  it('2.x: HMAC-SHA256 over the message with SIGNED set and the Signature zeroed, first 16 bytes', () => {
    // No published 2.x example was found; this follows MS-SMB2 3.1.4.1 step by step.
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const message = request();
    signMessage(message, key, 'HMAC-SHA256');
    expect(message.readUInt32LE(16) & 0x8).toBe(0x8);
    const zeroed = Buffer.from(message);
    zeroed.fill(0, 48, 64);
    const reference = createHmac('sha256', key).update(zeroed).digest().subarray(0, 16);
    expect(message.subarray(48, 64).toString('hex')).toBe(reference.toString('hex'));
    expect(verifySignature(message, key, 'HMAC-SHA256')).toBe(true);
  });

  it.each(['HMAC-SHA256', 'AES-CMAC', 'AES-GMAC'] as const)(
    '%s: a message signed with its data in pieces gets the signature of the whole',
    (algorithm) => {
      const key = hex('000102030405060708090a0b0c0d0e0f');
      const data = [Buffer.alloc(70_000, 1), Buffer.alloc(17, 2)];
      const head = request();
      signMessage(head, key, algorithm, data);
      const whole = Buffer.concat([request(), ...data]);
      signMessage(whole, key, algorithm);
      expect(head.subarray(48, 64)).toEqual(whole.subarray(48, 64));
      expect(verifySignature(Buffer.concat([head, ...data]), key, algorithm)).toBe(true);
    },
  );

  it('AES-GMAC: GCM over the message, nonce = MessageId || role bit || CANCEL bit', () => {
    const key = hex('00112233445566778899aabbccddeeff');
    const gmac = (message: Buffer, word: number): string => {
      const nonce = Buffer.alloc(12);
      nonce.writeBigUInt64LE(message.readBigUInt64LE(24), 0);
      nonce.writeUInt32LE(word, 8);
      const zeroed = Buffer.from(message);
      zeroed.fill(0, 48, 64);
      const gcm = createCipheriv('aes-128-gcm', key, nonce).setAAD(zeroed);
      gcm.final();
      return gcm.getAuthTag().toString('hex');
    };
    // A request: bit 0 clear.
    const req = request();
    signMessage(req, key, 'AES-GMAC');
    expect(req.subarray(48, 64).toString('hex')).toBe(gmac(req, 0));
    // A response (SMB2_FLAGS_SERVER_TO_REDIR): bit 0 set.
    const res = request();
    res.writeUInt32LE(0x1, 16);
    signMessage(res, key, 'AES-GMAC');
    expect(res.subarray(48, 64).toString('hex')).toBe(gmac(res, 1));
    // A CANCEL request: bit 1 set.
    const cancel = request(0x000c, 'cancel');
    signMessage(cancel, key, 'AES-GMAC');
    expect(cancel.subarray(48, 64).toString('hex')).toBe(gmac(cancel, 2));
    for (const message of [req, res, cancel]) {
      expect(verifySignature(message, key, 'AES-GMAC')).toBe(true);
    }
  });

  it.each(['HMAC-SHA256', 'AES-CMAC', 'AES-GMAC'] as const)(
    '%s: one changed byte anywhere, or another key, fails verification',
    (algorithm) => {
      const key = Buffer.alloc(16, 0x42);
      const message = request();
      signMessage(message, key, algorithm);
      const before = Buffer.from(message);
      expect(verifySignature(message, key, algorithm)).toBe(true);
      expect(message).toEqual(before); // verification does not touch the message
      for (const at of [0, 12, 16, 24, 40, 47, 48, 63, 64, message.length - 1]) {
        const changed = Buffer.from(message);
        changed[at] = (changed[at] as number) ^ 0x01;
        expect(verifySignature(changed, key, algorithm), `byte ${at}`).toBe(false);
      }
      expect(verifySignature(message, Buffer.alloc(16, 0x43), algorithm)).toBe(false);
    },
  );

  it('verifies a message cut short as false, and refuses bad keys and non-SMB2 input', () => {
    const key = Buffer.alloc(16, 1);
    const message = request();
    signMessage(message, key, 'AES-CMAC');
    expect(verifySignature(message.subarray(0, 63), key, 'AES-CMAC')).toBe(false);
    expect(verifySignature(message.subarray(0, message.length - 1), key, 'AES-CMAC')).toBe(false);
    expect(verifySignature(Buffer.alloc(0), key, 'AES-CMAC')).toBe(false);
    expect(() => verifySignature(message, Buffer.alloc(32), 'AES-CMAC')).toThrow(SmbCryptoError);
    expect(() => verifySignature(message, Buffer.alloc(8), 'AES-GMAC')).toThrow(SmbCryptoError);
    expect(() => signMessage(message, Buffer.alloc(0), 'HMAC-SHA256')).toThrow(SmbCryptoError);
    expect(() => signMessage(message, key, 'MD5' as 'AES-CMAC')).toThrow(SmbCryptoError);
    expect(() => signMessage(Buffer.alloc(40), key, 'AES-CMAC')).toThrow(SmbCryptoError);
    const transform = Buffer.from(message);
    transform[0] = 0xfd;
    expect(() => signMessage(transform, key, 'AES-CMAC')).toThrow(/Not an SMB2 message/);
  });
});

describe('an answer of a chain signed before it was chained (impacket)', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  /** A 64-byte header and a 13-byte body, signed with NextCommand 0, then chained and padded. */
  const chained = (): Buffer => {
    const message = Buffer.alloc(64 + 13, 0x33);
    message.writeUInt32LE(0x424d53fe, 0);
    message.writeUInt32LE(0x1, 16); // a server's answer
    message.writeUInt32LE(0, 20);
    signMessage(message, key, 'HMAC-SHA256');
    const padded = Buffer.concat([message, Buffer.alloc(3)]);
    padded.writeUInt32LE(padded.length, 20); // NextCommand, filled in after signing
    return padded;
  };

  it('fails the strict check, and verifies over the message as it was signed', () => {
    const message = chained();
    expect(verifySignature(message, key, 'HMAC-SHA256')).toBe(false);
    expect(verifySignedBeforeChaining(message, key, 'HMAC-SHA256')).toBe(true);
  });

  it('still refuses a changed byte, a message not in a chain, and non-zero padding', () => {
    const tampered = chained();
    tampered.writeUInt8(tampered.readUInt8(70) ^ 1, 70);
    expect(verifySignedBeforeChaining(tampered, key, 'HMAC-SHA256')).toBe(false);
    const last = chained().subarray(0, 77);
    last.writeUInt32LE(0, 20);
    expect(verifySignedBeforeChaining(last, key, 'HMAC-SHA256')).toBe(false);
    const padding = chained();
    padding[padding.length - 1] = 7;
    expect(verifySignedBeforeChaining(padding, key, 'HMAC-SHA256')).toBe(false);
  });
});
