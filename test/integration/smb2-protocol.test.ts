import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smb2Client } from '../../src-main/protocols/smb2/smb2-client';
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

function client(server: RunningSmbServer, dialect?: DialectCode, password = server.password) {
  return Smb2Client.connect({
    host: '127.0.0.1',
    port: server.port,
    credentials: { domain: 'TESTGROUP', user: server.user, password },
    dialect,
  });
}

describe('SMB2 logon (NTLMv2 in SPNEGO) and TREE_CONNECT against Samba', () => {
  it('logs on with every dialect, signs, and opens the share', async () => {
    for (const dialect of ALL) {
      const smb = await client(plain, dialect);
      try {
        expect(smb.negotiated.dialect).toBe(dialect);
        expect(smb.session.signing).toBe(dialect >= DIALECTS.SMB30 ? 'AES-CMAC' : 'HMAC-SHA256');
        const tree = await smb.treeConnect(plain.share);
        expect(tree.id).toBeGreaterThan(0);
      } finally {
        await smb.close();
      }
    }
  });

  it('encrypts everything on a hardened server (signing mandatory, encryption required)', async () => {
    const smb = await client(hardened);
    try {
      expect(smb.negotiated.dialect).toBe(DIALECTS.SMB311);
      const tree = await smb.treeConnect(hardened.share);
      expect(tree.encrypted).toBe(true);
      expect(smb.session.encryptAll).toBe(true);
    } finally {
      await smb.close();
    }
  });

  it('names a wrong password and a missing share', async () => {
    await expect(client(plain, undefined, 'wrong-password')).rejects.toMatchObject({
      name: 'Smb2AuthError',
      statusName: 'STATUS_LOGON_FAILURE',
    });
    const smb = await client(plain);
    try {
      await expect(smb.treeConnect('no-such-share')).rejects.toMatchObject({
        statusName: 'STATUS_BAD_NETWORK_NAME',
      });
    } finally {
      await smb.close();
    }
  });
});
