import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md4 } from '../../../src-main/protocols/smb2/md4';
import {
  lmv2Response,
  ntlmAuthenticateMessage,
  NtlmError,
  NtlmFlag,
  ntlmMechListMic,
  ntlmNegotiateMessage,
  ntlmv2ClientChallenge,
  ntlmv2Response,
  ntowfv2,
  parseChallengeMessage,
} from '../../../src-main/protocols/smb2/ntlm';
import { rc4 } from '../../../src-main/protocols/smb2/rc4';
import {
  NTLMSSP_OID,
  parseSpnegoToken,
  SpnegoError,
  spnegoInitToken,
  spnegoMechTypesDer,
  spnegoResponseToken,
} from '../../../src-main/protocols/smb2/spnego';

/*
 * The SMB2 client's authentication: MD4 and RC4 (Node 17+ has neither without OpenSSL's legacy
 * provider), NTLMv2 against MS-NLMP's own worked example (section 4.2.4), and SPNEGO's DER.
 * The end-to-end proof is the Samba test; these pin every byte a server would check.
 */

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');
const hmacMd5 = (key: Buffer, ...data: Buffer[]): Buffer => {
  const hmac = createHmac('md5', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
};

/** A deterministic PRNG (mulberry32), so that a failing fuzz case can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('MD4 (RFC 1320)', () => {
  it('matches the test suite of RFC 1320, appendix A.5', () => {
    const suite: [string, string][] = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      [
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
        '043f8582f241db351ce627e153e7f0e4',
      ],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];
    for (const [input, digest] of suite) {
      expect(md4(Buffer.from(input, 'latin1')).toString('hex'), input).toBe(digest);
    }
  });

  it('pads correctly around the 56- and 64-byte block boundaries', () => {
    // Digests from OpenSSL's MD4 (node --openssl-legacy-provider), of n bytes of "a": the
    // lengths where the padding spills into a second block, or just does not.
    const digests: Record<number, string> = {
      55: 'c889c81dd86c4d2e025778944ea02881',
      56: 'd5f9a9e9257077a5f08b0b92f348b0ad',
      63: '7ea3da77432d44c323671097d1348fc8',
      64: '52f5076fabd22680234a3fa9f9dc5732',
      65: '330e377bf231f3cacfecc2c182fe7e5b',
      119: 'e65dd227ccef97fa1d34d70189120f76',
      120: 'b03ddbd470b47c013e0c7ab2ddd763db',
      128: 'cb4a20a561558e29460190c91dced59f',
    };
    for (const [length, digest] of Object.entries(digests)) {
      expect(md4(Buffer.alloc(Number(length), 'a')).toString('hex'), length).toBe(digest);
    }
  });

  it('gives the NT hash of MS-NLMP 4.2.2.1.2 (NTOWFv1 of "Password")', () => {
    expect(md4(utf16('Password')).toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });
});

describe('RC4', () => {
  it('matches the published vectors, decrypts what it encrypts, takes keys of 1 to 256 bytes', () => {
    const vectors: [string, string, string][] = [
      ['Key', 'Plaintext', 'bbf316e8d940af0ad3'],
      ['Wiki', 'pedia', '1021bf0420'],
      ['Secret', 'Attack at dawn', '45a01f645fc35b383552544b9bf5'],
    ];
    for (const [key, plain, cipher] of vectors) {
      const encrypted = rc4(Buffer.from(key), Buffer.from(plain));
      expect(encrypted.toString('hex')).toBe(cipher);
      expect(rc4(Buffer.from(key), encrypted).toString()).toBe(plain);
    }
    // A full 256-byte key (keystream from OpenSSL's RC4); RC4 defines no others.
    const key = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(rc4(key, Buffer.alloc(32)).toString('hex')).toBe(
      '5e2eb7b20d86864f73d39dd95c5a1525d51905d9a65aa2d297908146cdbd4883',
    );
    expect(() => rc4(Buffer.alloc(0), Buffer.from('x'))).toThrow(RangeError);
    expect(() => rc4(Buffer.alloc(257), Buffer.from('x'))).toThrow(RangeError);
  });
});

/*
 * MS-NLMP 4.2.4 "NTLMv2 Authentication": user "User", domain "Domain", password "Password",
 * server "Server", workstation "COMPUTER" (4.2.1), server challenge 0123456789abcdef, client
 * challenge aa * 8, time 0, RandomSessionKey 55 * 16, challenge flags e28a8233.
 */
const DOC = {
  // 4.2.4.3 Messages: the CHALLENGE_MESSAGE.
  challenge: hex(`
    4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
    24002400 44000000 060070170000000f 530065007200760065007200
    02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000`),
  targetInfo: hex(`02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000`),
  serverChallenge: hex('0123456789abcdef'),
  clientChallenge: Buffer.alloc(8, 0xaa),
  time: Buffer.alloc(8),
  randomSessionKey: Buffer.alloc(16, 0x55),
  // 4.2.4.1.1 NTOWFv2() and LMOWFv2()
  ntowfv2: hex('0c868a403bfd7a93a3001ef22ef02e3f'),
  // 4.2.4.1.2 Session Base Key
  sessionBaseKey: hex('8de40ccadbc14a82f15cb0ad0de95ca3'),
  // 4.2.4.2.1 LMv2 Response
  lmv2Response: hex('86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa'),
  // 4.2.4.2.2 NTLMv2 Response: NTProofStr, then temp (4.2.4.1.3).
  ntlmv2Response: hex(`
    68cd0ab851e51c96aabc927bebef6a1c 0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa
    00000000 02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000
    00000000`),
  // 4.2.4.2.3 Encrypted Session Key
  encryptedSessionKey: hex('c5dad2544fc9799094ce1ce90bc9d03e'),
  // 4.2.4.4 GSS_WrapEx Examples
  plaintext: utf16('Plaintext'),
  sealKey: hex('59f600973cc4960a25480a7c196e4c58'),
  sealedData: hex('54e50165bf1936dc996020c1811b0f06fb5f'),
  checksum: hex('70352851f2564309'),
  encryptedChecksum: hex('7fb38ec5c55d4976'),
};

describe('NTLMv2 against MS-NLMP 4.2.4', () => {
  it('computes NTOWFv2, the responses, the session base key and the encrypted key exactly', () => {
    const key = ntowfv2('Password', 'User', 'Domain');
    expect(key).toEqual(DOC.ntowfv2);
    // Windows uppercases the user, never the domain.
    expect(ntowfv2('Password', 'user', 'Domain')).toEqual(DOC.ntowfv2);
    expect(ntowfv2('Password', 'User', 'DOMAIN')).not.toEqual(DOC.ntowfv2);

    const temp = ntlmv2ClientChallenge(DOC.clientChallenge, DOC.time, DOC.targetInfo);
    expect(temp).toEqual(DOC.ntlmv2Response.subarray(16));
    const response = ntlmv2Response(key, DOC.serverChallenge, temp);
    expect(response.ntProofStr).toEqual(DOC.ntlmv2Response.subarray(0, 16));
    expect(response.ntChallengeResponse).toEqual(DOC.ntlmv2Response);
    expect(response.sessionBaseKey).toEqual(DOC.sessionBaseKey);

    expect(lmv2Response(key, DOC.serverChallenge, DOC.clientChallenge)).toEqual(DOC.lmv2Response);
    // NTLMv2's KeyExchangeKey is the SessionBaseKey.
    expect(rc4(response.sessionBaseKey, DOC.randomSessionKey)).toEqual(DOC.encryptedSessionKey);
  });

  it('parses the CHALLENGE_MESSAGE of 4.2.4.3', () => {
    const challenge = parseChallengeMessage(DOC.challenge);
    expect(challenge.flags).toBe(0xe28a8233);
    expect(challenge.serverChallenge).toEqual(DOC.serverChallenge);
    expect(challenge.targetName).toBe('Server');
    expect(challenge.targetInfo).toEqual(DOC.targetInfo);
    expect(challenge.timestamp).toBeNull();
    expect(challenge.message).toEqual(DOC.challenge);
  });

  it('signs as 4.2.4.4 does: SEALKEY, SIGNKEY and the RC4-encrypted checksum', () => {
    // The document seals, then signs; its keystream is consistent with our RC4.
    expect(rc4(DOC.sealKey, Buffer.concat([DOC.plaintext, DOC.checksum]))).toEqual(
      Buffer.concat([DOC.sealedData, DOC.encryptedChecksum]),
    );
    // Signing alone (the mechListMIC) starts a fresh keystream: RC4(SealKey, checksum).
    const flags = 0xe28a8233;
    const signature = ntlmMechListMic(DOC.randomSessionKey, DOC.plaintext, { flags });
    expect(signature).toEqual(
      Buffer.concat([hex('01000000'), rc4(DOC.sealKey, DOC.checksum), hex('00000000')]),
    );
    // Without KEY_EXCH the checksum goes out as HMAC-MD5 gave it.
    const plain = ntlmMechListMic(DOC.randomSessionKey, DOC.plaintext, {
      flags: flags & ~NtlmFlag.KEY_EXCH,
    });
    expect(plain.subarray(4, 12)).toEqual(DOC.checksum);
    // The server signs with the server-to-client keys.
    const server = ntlmMechListMic(DOC.randomSessionKey, DOC.plaintext, {
      flags,
      sender: 'server',
    });
    expect(server.subarray(4, 12)).not.toEqual(signature.subarray(4, 12));
    expect(() =>
      ntlmMechListMic(DOC.randomSessionKey, DOC.plaintext, {
        flags: flags & ~NtlmFlag.EXTENDED_SESSIONSECURITY,
      }),
    ).toThrow(NtlmError);
  });
});

/** A CHALLENGE_MESSAGE with the given flags and AV pairs (EOL appended), for the tests below. */
function challengeMessage(flags: number, pairs: [number, Buffer][]): Buffer {
  const info = Buffer.concat([
    ...pairs.flatMap(([id, value]) => {
      const head = Buffer.alloc(4);
      head.writeUInt16LE(id, 0);
      head.writeUInt16LE(value.length, 2);
      return [head, value];
    }),
    Buffer.alloc(4),
  ]);
  const name = utf16('SAMBA');
  const header = Buffer.alloc(56);
  header.write('NTLMSSP\0', 0, 'latin1');
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(name.length, 12);
  header.writeUInt16LE(name.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(flags >>> 0, 20);
  DOC.serverChallenge.copy(header, 24);
  header.writeUInt16LE(info.length, 40);
  header.writeUInt16LE(info.length, 42);
  header.writeUInt32LE(56 + name.length, 44);
  return Buffer.concat([header, name, info]);
}

describe('parseChallengeMessage on hostile input', () => {
  it('throws NtlmError for every truncation of the 4.2.4.3 message', () => {
    for (let length = 0; length < DOC.challenge.length; length++) {
      expect(() => parseChallengeMessage(DOC.challenge.subarray(0, length)), `${length}`).toThrow(
        NtlmError,
      );
    }
  });

  it('throws NtlmError for a wrong signature or type, and for fields past the end', () => {
    const wrongSignature = Buffer.from(DOC.challenge);
    wrongSignature.write('NTLMSSX', 0, 'latin1');
    expect(() => parseChallengeMessage(wrongSignature)).toThrow(/signature/);
    for (const type of [1, 3, 0xffffffff]) {
      const wrongType = Buffer.from(DOC.challenge);
      wrongType.writeUInt32LE(type, 8);
      expect(() => parseChallengeMessage(wrongType)).toThrow(/message type/);
    }
    const farInfo = Buffer.from(DOC.challenge);
    farInfo.writeUInt32LE(0xfffffff0, 44); // TargetInfo offset
    expect(() => parseChallengeMessage(farInfo)).toThrow(/TargetInfo/);
    const longName = Buffer.from(DOC.challenge);
    longName.writeUInt16LE(0xffff, 12); // TargetName length
    expect(() => parseChallengeMessage(longName)).toThrow(/TargetName/);
  });

  it('throws NtlmError for AV pairs that overrun, lack an EOL, or a short timestamp', () => {
    const overrun = Buffer.from(DOC.challenge);
    overrun.writeUInt16LE(0x0100, 0x44 + 2); // the first pair claims 256 bytes
    expect(() => parseChallengeMessage(overrun)).toThrow(/runs past/);
    const noEol = Buffer.from(DOC.challenge.subarray(0, DOC.challenge.length - 4));
    noEol.writeUInt16LE(32, 40); // TargetInfoLen without the EOL
    expect(() => parseChallengeMessage(noEol)).toThrow(/MsvAvEOL/);
    expect(() =>
      parseChallengeMessage(challengeMessage(0xe28a8233, [[7, Buffer.alloc(4)]])),
    ).toThrow(/MsvAvTimestamp/);
  });

  it('answers random corruptions with a result or NtlmError, nothing else', () => {
    const random = prng(424);
    for (let round = 0; round < 3000; round++) {
      const message = Buffer.from(DOC.challenge);
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
        message[Math.floor(random() * message.length)] = Math.floor(random() * 256);
      }
      try {
        parseChallengeMessage(message);
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(NtlmError);
      }
    }
  });
});

/** The AUTHENTICATE_MESSAGE's payload fields, read with their bounds checked. */
function authenticateFields(message: Buffer) {
  expect(message.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
  expect(message.readUInt32LE(8)).toBe(3);
  const names = ['lm', 'nt', 'domain', 'user', 'workstation', 'key'] as const;
  const spans: [number, number][] = [];
  const fields = {} as Record<(typeof names)[number], Buffer>;
  names.forEach((name, index) => {
    const at = 12 + index * 8;
    const length = message.readUInt16LE(at);
    expect(message.readUInt16LE(at + 2), `${name} MaxLen`).toBe(length);
    const offset = message.readUInt32LE(at + 4);
    expect(offset, `${name} offset`).toBeGreaterThanOrEqual(88);
    expect(offset + length, `${name} end`).toBeLessThanOrEqual(message.length);
    spans.push([offset, offset + length]);
    fields[name] = message.subarray(offset, offset + length);
  });
  // The payload is the fields, back to back, nothing between, over, or after them.
  spans.sort((a, b) => a[0] - b[0]);
  let end = 88;
  for (const [start, stop] of spans) {
    expect(start).toBe(end);
    end = stop;
  }
  expect(end).toBe(message.length);
  return { ...fields, flags: message.readUInt32LE(60), mic: message.subarray(72, 88) };
}

const creds = { domain: 'Domain', user: 'User', password: 'Password', workstation: 'COMPUTER' };
const SERVER_FLAGS = 0xe28a8235;
const TIMESTAMP = hex('0090d336b734c301');

describe('ntlmNegotiateMessage and ntlmAuthenticateMessage', () => {
  it('writes a 40-byte NEGOTIATE with the flags the client needs', () => {
    const negotiate = ntlmNegotiateMessage();
    expect(negotiate.length).toBe(40);
    expect(negotiate.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(negotiate.readUInt32LE(8)).toBe(1);
    expect(negotiate.readUInt32LE(12)).toBe(0xe2888235);
    expect(negotiate.readUInt32LE(16)).toBe(0); // no domain
    expect(negotiate[39]).toBe(0x0f); // NTLMSSP_REVISION_W2K3
  });

  it('lays out every field, embeds the server AV pairs with MsvAvFlags, and a verifiable MIC', () => {
    const negotiate = ntlmNegotiateMessage();
    const challenge = parseChallengeMessage(
      challengeMessage(SERVER_FLAGS, [
        [2, utf16('SAMBA')],
        [1, utf16('FILESERVER')],
        [7, TIMESTAMP],
      ]),
    );
    expect(challenge.timestamp).toEqual(TIMESTAMP);
    const clientChallenge = hex('0102030405060708');
    const exportedSessionKey = hex('000102030405060708090a0b0c0d0e0f');
    const { message, sessionKey, flags } = ntlmAuthenticateMessage(creds, challenge, negotiate, {
      clientChallenge,
      exportedSessionKey,
      timestamp: Buffer.alloc(8, 0xee),
    });
    const fields = authenticateFields(message);
    expect(fields.domain.toString('utf16le')).toBe('Domain');
    expect(fields.user.toString('utf16le')).toBe('User');
    expect(fields.workstation.toString('utf16le')).toBe('COMPUTER');
    expect(fields.lm).toEqual(Buffer.alloc(24));
    expect(flags).toBe((0xe2888235 & SERVER_FLAGS) >>> 0);
    expect(fields.flags).toBe(flags);
    expect(message.subarray(64, 72)).toEqual(hex('0a00614a0000000f'));

    // temp: the server's timestamp (not ours), our challenge, its pairs in its order, then
    // MsvAvFlags = MIC present, MsvAvEOL, Z(4).
    const temp = fields.nt.subarray(16);
    expect(temp.subarray(0, 8)).toEqual(hex('0101000000000000'));
    expect(temp.subarray(8, 16)).toEqual(TIMESTAMP);
    expect(temp.subarray(16, 24)).toEqual(clientChallenge);
    expect(temp.subarray(28)).toEqual(
      Buffer.concat([
        challenge.targetInfo.subarray(0, challenge.targetInfo.length - 4),
        hex('06000400 02000000 00000000 00000000'),
      ]),
    );
    // NTProofStr and the keys, recomputed here from MS-NLMP 3.3.2 and 3.4.5.1.
    const key = ntowfv2('Password', 'User', 'Domain');
    const ntProofStr = hmacMd5(key, DOC.serverChallenge, temp);
    expect(fields.nt.subarray(0, 16)).toEqual(ntProofStr);
    const sessionBaseKey = hmacMd5(key, ntProofStr);
    expect(rc4(sessionBaseKey, fields.key)).toEqual(exportedSessionKey);
    expect(sessionKey).toEqual(exportedSessionKey);

    // The MIC: HMAC-MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE, MIC zero).
    const zeroed = Buffer.from(message);
    zeroed.fill(0, 72, 88);
    expect(fields.mic).toEqual(hmacMd5(sessionKey, negotiate, challenge.message, zeroed));
    // It covers every message: tamper with any, and it no longer verifies.
    const tampered = Buffer.from(zeroed);
    tampered[tampered.length - 20]! ^= 1;
    expect(hmacMd5(sessionKey, negotiate, challenge.message, tampered)).not.toEqual(fields.mic);
    const otherNegotiate = Buffer.from(negotiate);
    otherNegotiate[12]! ^= 0x20;
    expect(hmacMd5(sessionKey, otherNegotiate, challenge.message, zeroed)).not.toEqual(fields.mic);
  });

  it('uses the given time without a server timestamp, else now; fresh randoms every time', () => {
    const challenge = parseChallengeMessage(DOC.challenge);
    const fixed = ntlmAuthenticateMessage(creds, challenge, ntlmNegotiateMessage(), {
      timestamp: TIMESTAMP,
    });
    expect(authenticateFields(fixed.message).nt.subarray(24, 32)).toEqual(TIMESTAMP);

    const first = ntlmAuthenticateMessage(creds, challenge, ntlmNegotiateMessage());
    const second = ntlmAuthenticateMessage(creds, challenge, ntlmNegotiateMessage());
    const nt = authenticateFields(first.message).nt;
    const fileTime = Number(nt.readBigUInt64LE(24) / 10_000n - 11_644_473_600_000n);
    expect(Math.abs(fileTime - Date.now())).toBeLessThan(60_000);
    expect(nt.subarray(32, 40)).not.toEqual(authenticateFields(second.message).nt.subarray(32, 40));
    expect(first.sessionKey).not.toEqual(second.sessionKey);
  });

  it('exports the session base key when the server grants no KEY_EXCH', () => {
    const flags = SERVER_FLAGS & ~NtlmFlag.KEY_EXCH;
    const challenge = parseChallengeMessage(challengeMessage(flags, [[2, utf16('SAMBA')]]));
    const result = ntlmAuthenticateMessage(creds, challenge, ntlmNegotiateMessage());
    const fields = authenticateFields(result.message);
    expect(fields.key.length).toBe(0);
    expect(result.flags & NtlmFlag.KEY_EXCH).toBe(0);
    const key = ntowfv2('Password', 'User', 'Domain');
    expect(result.sessionKey).toEqual(hmacMd5(key, fields.nt.subarray(0, 16)));
  });

  it('refuses a server without Unicode, and option values of the wrong size', () => {
    const oem = parseChallengeMessage(
      challengeMessage(SERVER_FLAGS & ~NtlmFlag.UNICODE, [[2, utf16('SAMBA')]]),
    );
    expect(() => ntlmAuthenticateMessage(creds, oem, ntlmNegotiateMessage())).toThrow(NtlmError);
    const challenge = parseChallengeMessage(DOC.challenge);
    expect(() =>
      ntlmAuthenticateMessage(creds, challenge, ntlmNegotiateMessage(), {
        clientChallenge: Buffer.alloc(7),
      }),
    ).toThrow(RangeError);
  });
});

/** Hand-made DER, lengths in the long form of `lengthBytes` bytes (0: short form). */
function der(tag: number, content: Buffer, lengthBytes = 0): Buffer {
  const length =
    lengthBytes === 0
      ? Buffer.from([content.length])
      : Buffer.concat([Buffer.from([0x80 | lengthBytes]), Buffer.alloc(lengthBytes)]);
  if (lengthBytes > 0) length.writeUIntBE(content.length, 1, lengthBytes);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const OIDS = {
  spnego: hex('2b0601050502'),
  ntlmssp: hex('2b0601040182370202 0a'),
  msKrb5: hex('2a864882f712010202'), // 1.2.840.48018.1.2.2
  krb5: hex('2a864886f712010202'), // 1.2.840.113554.1.2.2
  negoex: hex('2b0601040182370202 1e'), // 1.3.6.1.4.1.311.2.2.30
};

describe('SPNEGO', () => {
  it('round-trips our NegTokenInit, with the DER MechTypeList the mechListMIC signs', () => {
    const negotiate = ntlmNegotiateMessage();
    const token = spnegoInitToken(negotiate);
    expect(token[0]).toBe(0x60);
    expect(token.subarray(2, 10)).toEqual(der(0x06, OIDS.spnego));
    expect(spnegoMechTypesDer()).toEqual(der(0x30, der(0x06, OIDS.ntlmssp)));
    expect(parseSpnegoToken(token)).toEqual({
      negState: null,
      supportedMech: null,
      responseToken: negotiate,
      mechListMIC: null,
      mechTypes: [NTLMSSP_OID],
    });
  });

  it('writes and reads long-form lengths (1, 2 and 3 length bytes)', () => {
    for (const size of [200, 300, 70_000]) {
      const mechToken = Buffer.alloc(size, 7);
      const token = spnegoInitToken(mechToken);
      const octetHeader =
        size < 256 ? hex('0481c8') : size < 65536 ? hex('0482012c') : hex('048301 1170');
      expect(
        token.includes(Buffer.concat([octetHeader, mechToken.subarray(0, 4)])),
        `${size}`,
      ).toBe(true);
      expect(parseSpnegoToken(token).responseToken).toEqual(mechToken);
      const resp = parseSpnegoToken(spnegoResponseToken(mechToken, Buffer.alloc(16, 1)));
      expect(resp.responseToken).toEqual(mechToken);
      expect(resp.mechListMIC).toEqual(Buffer.alloc(16, 1));
    }
  });

  it('parses a hand-built NegTokenResp with long-form (even non-minimal) lengths', () => {
    const response = Buffer.alloc(300, 0x42);
    const mic = hex('0100000011223344556677880000 0000');
    const token = der(
      0xa1,
      der(
        0x30,
        Buffer.concat([
          der(0xa0, der(0x0a, hex('01'), 1), 1),
          der(0xa1, der(0x06, OIDS.ntlmssp, 2), 4),
          der(0xa2, der(0x04, response, 2), 3),
          der(0xa3, der(0x04, mic, 1), 1),
        ]),
        4,
      ),
      2,
    );
    expect(parseSpnegoToken(token)).toEqual({
      negState: 'accept-incomplete',
      supportedMech: NTLMSSP_OID,
      responseToken: response,
      mechListMIC: mic,
      mechTypes: [],
    });
    const done = der(0xa1, der(0x30, der(0xa0, der(0x0a, hex('00')))));
    expect(parseSpnegoToken(done).negState).toBe('accept-completed');
    const reject = der(0xa1, der(0x30, der(0xa0, der(0x0a, hex('02')))));
    expect(parseSpnegoToken(reject).negState).toBe('reject');
  });

  it("lists the mechanisms of a server's NegTokenInit2 (the NEGOTIATE response)", () => {
    const mechTypes = der(
      0x30,
      Buffer.concat([OIDS.msKrb5, OIDS.krb5, OIDS.ntlmssp, OIDS.negoex].map((o) => der(0x06, o))),
    );
    const hints = der(
      0x30,
      der(0xa0, der(0x1b, Buffer.from('not_defined_in_RFC4178@please_ignore'))),
    );
    const negTokenInit2 = der(0x30, Buffer.concat([der(0xa0, mechTypes), der(0xa3, hints)]));
    const token = der(0x60, Buffer.concat([der(0x06, OIDS.spnego), der(0xa0, negTokenInit2)]), 1);
    const parsed = parseSpnegoToken(token);
    expect(parsed.mechTypes).toEqual([
      '1.2.840.48018.1.2.2',
      '1.2.840.113554.1.2.2',
      NTLMSSP_OID,
      '1.3.6.1.4.1.311.2.2.30',
    ]);
    expect(parsed.mechListMIC).toBeNull();
    expect(parsed.negState).toBeNull();
  });

  it('throws SpnegoError for every truncation and for malformed tokens', () => {
    const tokens = [
      spnegoInitToken(ntlmNegotiateMessage()),
      spnegoResponseToken(Buffer.alloc(300, 3), Buffer.alloc(16, 4)),
    ];
    for (const token of tokens) {
      for (let length = 0; length < token.length; length++) {
        expect(() => parseSpnegoToken(token.subarray(0, length)), `${length}`).toThrow(SpnegoError);
      }
    }
    const malformed = [
      hex('a180'), // indefinite length
      hex('a185 0000000001'), // five length bytes
      hex('a184 ffffffff 30'), // 4 GiB announced
      hex('bf1f00'), // a multi-byte tag
      hex('0400'), // not a negotiation token
      der(0x60, Buffer.concat([der(0x06, OIDS.krb5), der(0xa0, hex('3000'))])), // Kerberos
      der(0xa1, der(0x30, der(0xa0, der(0x0a, hex('07'))))), // negState 7
      der(0xa1, der(0x30, der(0xa1, der(0x06, hex('2b8680'))))), // OID cut short
      der(0xa1, der(0x30, der(0xa1, der(0x06, Buffer.alloc(0))))), // empty OID
      der(0xa1, der(0x30, der(0xa2, der(0x30, Buffer.alloc(0))))), // token not OCTET STRING
      der(0xa1, der(0x30, der(0xa2, Buffer.alloc(0)))), // [2] with nothing in it
    ];
    for (const token of malformed) {
      expect(() => parseSpnegoToken(token), token.toString('hex')).toThrow(SpnegoError);
    }
  });

  it('answers random bytes and corruptions with a result or SpnegoError, quickly', () => {
    const random = prng(4178);
    const base = spnegoResponseToken(Buffer.alloc(200, 9), Buffer.alloc(16, 8));
    const started = Date.now();
    for (let round = 0; round < 5000; round++) {
      let token: Buffer;
      if (round % 2 === 0) {
        token = Buffer.from(
          Array.from({ length: Math.floor(random() * 64) }, () => random() * 256),
        );
        token[0] = [0x60, 0xa0, 0xa1][round % 3]!; // get past the first check now and then
      } else {
        token = Buffer.from(base);
        token[Math.floor(random() * 12)] = Math.floor(random() * 256);
      }
      try {
        parseSpnegoToken(token);
      } catch (error) {
        expect(error, `round ${round}: ${token.toString('hex')}`).toBeInstanceOf(SpnegoError);
      }
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
