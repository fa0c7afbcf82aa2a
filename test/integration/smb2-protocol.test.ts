import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from '../../src-main/protocols/smb2/smb2-header';
import {
  DIALECTS,
  negotiateRequest,
  parseNegotiateResponse,
  type DialectCode,
} from '../../src-main/protocols/smb2/smb2-negotiate';
import { Smb2Transport } from '../../src-main/protocols/smb2/smb2-transport';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * Our SMB2 client's protocol layer against a real Samba 4.17 (its defaults, and hardened: SMB3
 * only, signing mandatory, encryption required). The SMB location's tests build on this.
 */

let plain: RunningSmbServer;
let hardened: RunningSmbServer;

beforeAll(async () => {
  [plain, hardened] = await Promise.all([startSmbServer(), startSmbServer({ hardened: true })]);
}, 60_000);
afterAll(async () => {
  await plain?.stop();
  await hardened?.stop();
});

const ALL = Object.values(DIALECTS) as DialectCode[];

async function negotiate(server: RunningSmbServer, dialects: DialectCode[]) {
  const transport = await Smb2Transport.connect('127.0.0.1', server.port);
  try {
    const response = await transport.request(
      Command.NEGOTIATE,
      negotiateRequest(dialects, randomBytes(16)),
    );
    return {
      status: response.header.status,
      result: parseNegotiateResponse(response.message, dialects),
    };
  } finally {
    transport.close();
  }
}

describe('SMB2 NEGOTIATE against Samba', () => {
  it('chooses 3.1.1 with a cipher when every dialect is offered', async () => {
    const { status, result } = await negotiate(plain, ALL);
    expect(status).toBe(0);
    expect(result.dialect).toBe(DIALECTS.SMB311);
    expect(result.cipher).toMatch(/^AES-(128|256)-(GCM|CCM)$/);
    expect(result.maxReadSize).toBeGreaterThanOrEqual(65536);
    expect(result.signingRequired).toBe(false);
  });

  it('speaks each pinned dialect, 2.0.2 to 3.0.2', async () => {
    for (const dialect of [DIALECTS.SMB202, DIALECTS.SMB21, DIALECTS.SMB30, DIALECTS.SMB302]) {
      const { result } = await negotiate(plain, [dialect]);
      expect(result.dialect).toBe(dialect);
    }
  });

  it('a hardened server requires signing and refuses SMB 2', async () => {
    const { result } = await negotiate(hardened, ALL);
    expect(result.dialect).toBe(DIALECTS.SMB311);
    expect(result.signingRequired).toBe(true);
    const old = await negotiate(hardened, [DIALECTS.SMB21]).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    expect(old).not.toBe(0);
  });
});
