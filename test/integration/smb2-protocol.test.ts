import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smb2Client } from '../../src-main/protocols/smb2/smb2-client';
import {
  Access,
  CreateOption,
  Disposition,
  InfoType,
  type Smb2Share,
} from '../../src-main/protocols/smb2/smb2-files';
import { Command } from '../../src-main/protocols/smb2/smb2-header';
import {
  FileAttribute,
  FileInfoClass,
  encodeBasicInformation,
  encodeDispositionInformation,
  encodeRenameInformation,
  filetimeToMs,
  msToFiletime,
  parseDirectoryEntries,
  parseNetworkOpenInformation,
} from '../../src-main/protocols/smb2/smb2-info';
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
        expect(smb.session.signing).toBe(
          dialect === DIALECTS.SMB311
            ? 'AES-GMAC'
            : dialect >= DIALECTS.SMB30
              ? 'AES-CMAC'
              : 'HMAC-SHA256',
        );
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

/** Writes `data` with `inFlight` WRITEs at once, each at most maxWrite. */
async function writeAll(
  share: Smb2Share,
  file: Awaited<ReturnType<Smb2Share['create']>>,
  data: Buffer,
  inFlight = 4,
): Promise<void> {
  const pieces: [number, Buffer][] = [];
  for (let at = 0; at < data.length; at += share.maxWrite)
    pieces.push([at, data.subarray(at, at + share.maxWrite)]);
  while (pieces.length > 0) {
    await Promise.all(
      pieces.splice(0, inFlight).map(async ([at, piece]) => {
        expect(await share.write(file, BigInt(at), piece)).toBe(piece.length);
      }),
    );
  }
}

async function listNames(
  share: Smb2Share,
  folder: string,
  batches = { count: 0 },
): Promise<string[]> {
  const dir = await share.create(folder, {
    access: Access.READ_DATA | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
    disposition: Disposition.OPEN,
    options: CreateOption.DIRECTORY_FILE,
  });
  const names: string[] = [];
  try {
    for await (const batch of share.queryDirectory(
      dir,
      FileInfoClass.FileIdBothDirectoryInformation,
    )) {
      batches.count++;
      for (const e of parseDirectoryEntries(batch, FileInfoClass.FileIdBothDirectoryInformation)) {
        if (e.name !== '.' && e.name !== '..') names.push(e.name);
      }
    }
  } finally {
    await share.close(dir);
  }
  return names.sort();
}

describe.each([
  ['Samba defaults', () => plain],
  ['hardened Samba (encrypted)', () => hardened],
])('SMB2 file operations against %s', (_name, server) => {
  it('creates, writes and reads 5 MiB with several WRITEs and READs in flight, as the disk shows', async () => {
    const s = server();
    const smb = await client(s);
    try {
      const share = await smb.share(s.share);
      const data = randomBytes(5 * 1024 * 1024 + 123);
      const file = await share.create('big file ✓.bin', {
        access:
          Access.READ_DATA | Access.WRITE_DATA | Access.READ_ATTRIBUTES | Access.WRITE_ATTRIBUTES,
        disposition: Disposition.CREATE,
        options: CreateOption.NON_DIRECTORY_FILE,
      });
      await writeAll(share, file, data);
      await share.flush(file);
      const reads: Promise<Buffer>[] = [];
      for (let at = 0; at < data.length; at += share.maxRead)
        reads.push(share.read(file, BigInt(at), share.maxRead));
      const back = Buffer.concat(await Promise.all(reads));
      expect(back.equals(data)).toBe(true);
      expect((await share.read(file, BigInt(data.length), 100)).length).toBe(0);
      const info = parseNetworkOpenInformation(
        await share.queryInfo(file, InfoType.FILE, FileInfoClass.FileNetworkOpenInformation),
      );
      expect(info.endOfFile).toBe(BigInt(data.length));
      await share.setInfo(
        file,
        InfoType.FILE,
        FileInfoClass.FileBasicInformation,
        encodeBasicInformation({ lastWriteTime: msToFiletime(1_600_000_000_123.25) }),
      );
      const after = parseNetworkOpenInformation(
        await share.queryInfo(file, InfoType.FILE, FileInfoClass.FileNetworkOpenInformation),
      );
      expect(Math.abs(filetimeToMs(after.lastWriteTime) - 1_600_000_000_123.25)).toBeLessThan(
        0.001,
      );
      await share.close(file);
      const onDisk = await readFile(path.join(s.root, 'big file ✓.bin'));
      expect(createHash('sha256').update(onDisk).digest('hex')).toBe(
        createHash('sha256').update(data).digest('hex'),
      );
      expect((await stat(path.join(s.root, 'big file ✓.bin'))).mtimeMs).toBeCloseTo(
        1_600_000_000_123.25,
        2,
      );
    } finally {
      await smb.close();
    }
  });

  it('lists a folder of 3,000 entries over several QUERY_DIRECTORY batches, renames and deletes', async () => {
    const s = server();
    const folder = `many-${randomBytes(4).toString('hex')}`;
    await mkdir(path.join(s.root, folder));
    for (let i = 0; i < 3000; i++)
      await writeFile(
        path.join(s.root, folder, `entry-${String(i).padStart(4, '0')}-with-a-long-name.txt`),
        `${i}`,
      );
    s.giveToUser(path.join(s.root, folder));
    const smb = await client(s);
    try {
      const share = await smb.share(s.share);
      const batches = { count: 0 };
      const names = await listNames(share, folder, batches);
      expect(names).toHaveLength(3000);
      expect(batches.count).toBeGreaterThan(2);
      expect(names[2999]).toBe('entry-2999-with-a-long-name.txt');
      const file = await share.create(`${folder}\\entry-0000-with-a-long-name.txt`, {
        access: Access.DELETE | Access.READ_ATTRIBUTES,
        disposition: Disposition.OPEN,
      });
      await share.setInfo(
        file,
        InfoType.FILE,
        FileInfoClass.FileRenameInformation,
        encodeRenameInformation(`${folder}\\renamed.txt`, false),
      );
      await share.close(file);
      const doomed = await share.create(`${folder}\\renamed.txt`, {
        access: Access.DELETE,
        disposition: Disposition.OPEN,
      });
      await share.setInfo(
        doomed,
        InfoType.FILE,
        FileInfoClass.FileDispositionInformation,
        encodeDispositionInformation(true),
      );
      await share.close(doomed);
      const onDisk = await readdir(path.join(s.root, folder));
      expect(onDisk).toHaveLength(2999);
      expect(onDisk).not.toContain('renamed.txt');
      expect(onDisk).not.toContain('entry-0000-with-a-long-name.txt');
      const missing = await share
        .create(`${folder}\\nope.txt`, { access: Access.READ_DATA, disposition: Disposition.OPEN })
        .catch((e: unknown) => e);
      expect(missing).toMatchObject({ statusName: 'STATUS_OBJECT_NAME_NOT_FOUND' });
      const directory = await share.create(folder, {
        access: Access.READ_ATTRIBUTES,
        disposition: Disposition.OPEN,
      });
      expect(directory.attributes & FileAttribute.DIRECTORY).toBeTruthy();
      await share.close(directory);
    } finally {
      await smb.close();
    }
  }, 60_000);
});
