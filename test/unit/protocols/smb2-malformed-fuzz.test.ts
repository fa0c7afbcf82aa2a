import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { NtlmError } from '../../../src-main/protocols/smb2/ntlm';
import { Command, readHeader, Smb2FormatError } from '../../../src-main/protocols/smb2/smb2-header';
import {
  DIALECTS,
  parseNegotiateResponse,
  type DialectCode,
} from '../../../src-main/protocols/smb2/smb2-negotiate';
import { Smb2AuthError } from '../../../src-main/protocols/smb2/smb2-session';
import { Smb2StatusError } from '../../../src-main/protocols/smb2/smb2-status';
import {
  Smb2ConnectionError,
  Smb2Transport,
} from '../../../src-main/protocols/smb2/smb2-transport';
import { SpnegoError } from '../../../src-main/protocols/smb2/spnego';
import {
  lengthPrefix,
  negotiateBody,
  scriptedSmb2,
  type ScriptedSmb2,
} from '../../support/scripted-smb2';

/*
 * The SMB 2/3 client's parsers and transport fed random bytes (fast-check): headers and
 * NEGOTIATE answers, random and mutated, and whole random answers on a real socket. Only the
 * client's typed errors may come out, never another exception, never a hang. The crafted
 * cases are in smb2-malformed.test.ts; directory listings are fuzzed in smb2-info.test.ts.
 */

let servers: ScriptedSmb2[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

const TYPED = [
  Smb2FormatError,
  Smb2StatusError,
  Smb2ConnectionError,
  Smb2AuthError,
  SpnegoError,
  NtlmError,
];
const isTyped = (error: unknown): boolean => TYPED.some((type) => error instanceof type);

describe('SMB2 parsers on random bytes (fast-check)', () => {
  it('readHeader answers a header or Smb2FormatError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, stamp) => {
        const message = Buffer.from(bytes);
        // Half the cases carry the right protocol id and size, so the fields are reached.
        if (stamp && message.length >= 6) {
          message.writeUInt32LE(0x424d53fe, 0);
          message.writeUInt16LE(64, 4);
        }
        try {
          const header = readHeader(message);
          expect(message.length).toBeGreaterThanOrEqual(64);
          expect(header.signature.length).toBe(16);
        } catch (error) {
          expect(error).toBeInstanceOf(Smb2FormatError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parseNegotiateResponse answers a result or Smb2FormatError for random and mutated answers', () => {
    const header = Buffer.alloc(64);
    header.writeUInt32LE(0x424d53fe, 0);
    const valid311 = Buffer.concat([
      header,
      negotiateBody({
        dialect: DIALECTS.SMB311,
        contextCount: 2,
        contextOffset: 128,
        extra: Buffer.from([
          2, 0, 4, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 8, 0, 4, 0, 0, 0, 0, 0, 1, 0, 1, 0,
        ]),
      }),
    ]);
    const offered = Object.values(DIALECTS) as DialectCode[];
    expect(parseNegotiateResponse(valid311, offered).cipher).toBe('AES-128-GCM');
    const mutation = fc.array(
      fc.tuple(fc.nat(valid311.length - 1), fc.integer({ min: 0, max: 255 })),
      {
        minLength: 1,
        maxLength: 8,
      },
    );
    const messages = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([header, Buffer.from(b)])),
      fc.tuple(mutation, fc.nat(valid311.length)).map(([edits, cut]) => {
        const m = Buffer.from(valid311.subarray(0, Math.max(64, cut)));
        for (const [at, value] of edits) if (at < m.length) m[at] = value;
        return m;
      }),
    );
    fc.assert(
      fc.property(messages, (message) => {
        try {
          const result = parseNegotiateResponse(message, offered);
          expect(offered).toContain(result.dialect);
          expect(result.maxReadSize).toBeGreaterThanOrEqual(4096);
        } catch (error) {
          expect(error).toBeInstanceOf(Smb2FormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a transport fed random bytes for an answer settles every request with a typed error, promptly', async () => {
    let bytes = Buffer.alloc(0);
    // The bytes, then the end of the connection: each case ends without waiting for a limit.
    const server = await scriptedSmb2((request) =>
      request.command === Command.ECHO ? [bytes, 'close'] : undefined,
    );
    servers.push(server);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.boolean(),
        async (random, framed) => {
          // Framed: a plausible length prefix, so the header and router see the bytes too.
          bytes = framed
            ? Buffer.concat([lengthPrefix(random.length), Buffer.from(random)])
            : Buffer.from(random);
          const transport = await Smb2Transport.connect('127.0.0.1', server.port);
          try {
            const answer = transport.request(Command.ECHO, Buffer.from([4, 0, 0, 0]), {
              timeoutMs: 5000,
            });
            const outcome = await answer.then(
              () => null,
              (error: unknown) => error,
            );
            // A random answer that parses and routes is possible only with the right MessageId.
            if (outcome !== null) expect(isTyped(outcome)).toBe(true);
          } finally {
            transport.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 30_000);
});
