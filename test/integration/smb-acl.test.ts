import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smb2Client } from '../../src-main/protocols/smb2/smb2-client';
import { Access, Disposition, type Smb2Share } from '../../src-main/protocols/smb2/smb2-files';
import {
  AceType,
  SecurityInformation,
  buildSecurityDescriptor,
  parseSecurityDescriptor,
  querySecurityDescriptor,
  setSecurityDescriptor,
  type Ace,
} from '../../src-main/protocols/smb2/smb2-security';
import { tempDir } from '../support/engine-harness';
import { runCli } from '../support/run-cli';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * SecurityDescriptorCopyFlags end to end: the real `dataferry` command copying between two
 * folders of one Samba share, the descriptors read back with our client and seen on disk
 * (Samba without acl_xattr maps a DACL onto the file's mode: Everyone is "other").
 */

const { OWNER, GROUP, DACL } = SecurityInformation;
const EVERYONE = 'S-1-1-0';
/** FILE_GENERIC_READ | FILE_EXECUTE: Samba's r-x. */
const READ_AND_EXECUTE = 0x001200a9;

let server: RunningSmbServer;
let smb: Smb2Client;
let share: Smb2Share;
let count = 0;

beforeAll(async () => {
  server = await startSmbServer();
  smb = await Smb2Client.connect({
    host: '127.0.0.1',
    port: server.port,
    credentials: { domain: 'TESTGROUP', user: server.user, password: server.password },
  });
  share = await smb.share(server.share);
}, 60_000);
afterAll(async () => {
  await smb?.close();
  await server?.stop();
});

async function descriptorOf(name: string) {
  const file = await share.create(name, {
    access: Access.READ_CONTROL,
    disposition: Disposition.OPEN,
  });
  try {
    return parseSecurityDescriptor(
      await querySecurityDescriptor(share, file, OWNER | GROUP | DACL),
    );
  } finally {
    await share.close(file);
  }
}

/** Gives Everyone read and execute only (Samba: other r-x) in the file's DACL. */
async function everyoneMayRead(name: string): Promise<void> {
  const before = await descriptorOf(name);
  const dacl: Ace[] = [
    ...before.dacl!.filter((ace) => ace.sid !== EVERYONE),
    { type: AceType.ACCESS_ALLOWED, flags: 0, mask: READ_AND_EXECUTE, sid: EVERYONE },
  ];
  const file = await share.create(name, {
    access: Access.READ_CONTROL | Access.WRITE_DAC,
    disposition: Disposition.OPEN,
  });
  try {
    await setSecurityDescriptor(
      share,
      file,
      buildSecurityDescriptor({ control: before.control, dacl }),
      DACL,
    );
  } finally {
    await share.close(file);
  }
}

/** `dataferry run` from `folder`/src to `folder`/`to` with --security-descriptors `flags`. */
async function copy(folder: string, to: string, flags: string) {
  const data = await tempDir('smb-acl-data');
  const url = (rel: string) =>
    `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${folder}/${rel}?domain=TESTGROUP`;
  try {
    const result = await runCli(
      ['run', '--from', url('src'), '--to', url(to), '--security-descriptors', flags, '--json'],
      { dataDir: data.dir, env: { DATAFERRY_SMB_PASSWORD: server.password } },
    );
    return { code: result.code, execution: JSON.parse(result.stdout), stderr: result.stderr };
  } finally {
    await data.remove();
  }
}

/** A source folder with a.txt (Everyone may read) and sub/b.txt (the share's default). */
async function arrange(): Promise<string> {
  const folder = `acl${++count}`;
  const root = path.join(server.root, folder);
  await mkdir(path.join(root, 'src/sub'), { recursive: true });
  for (const to of ['plain', 'acl', 'dst']) await mkdir(path.join(root, to));
  server.giveToUser(root);
  // Written through the share, so the test user owns them and may change their DACLs.
  for (const [rel, text] of [
    ['src\\a.txt', 'alpha'],
    ['src\\sub\\b.txt', 'bravo'],
  ] as const) {
    const file = await share.create(`${folder}\\${rel}`, {
      access: Access.WRITE_DATA,
      disposition: Disposition.CREATE,
    });
    await share.write(file, 0n, Buffer.from(text));
    await share.close(file);
  }
  await everyoneMayRead(`${folder}\\src\\a.txt`);
  return folder;
}

const grants = (aces: Ace[]): string[] =>
  [...new Set(aces.map((a) => `${a.sid} ${a.type} ${a.flags} ${a.mask.toString(16)}`))].sort();

const otherBits = async (folder: string, rel: string): Promise<number> =>
  (await stat(path.join(server.root, folder, rel))).mode & 0o7;

describe('SecurityDescriptorCopyFlags between SMB folders', () => {
  it('OWNER_DACL gives each copy the owner and DACL of its source; NONE leaves the share default', async () => {
    const folder = await arrange();
    expect(await otherBits(folder, 'src/a.txt')).toBe(0o5);

    const none = await copy(folder, 'plain', 'none');
    expect(none.code, none.stderr).toBe(0);
    // The share's force create mode (0666): Everyone may write, unlike at the source.
    expect(await otherBits(folder, 'plain/a.txt')).toBe(0o6);

    const withAcl = await copy(folder, 'acl', 'owner-dacl');
    expect(withAcl.code, JSON.stringify(withAcl.execution.error)).toBe(0);
    expect(withAcl.execution.options.SecurityDescriptorCopyFlags).toBe('OWNER_DACL');
    expect(withAcl.execution.counters).toMatchObject({ FilesTransferred: 2, FilesVerified: 2 });
    expect(await otherBits(folder, 'acl/a.txt')).toBe(0o5);
    for (const rel of ['a.txt', 'sub\\b.txt']) {
      const source = await descriptorOf(`${folder}\\src\\${rel}`);
      const copied = await descriptorOf(`${folder}\\acl\\${rel}`);
      expect(copied.owner).toBe(source.owner);
      // What each SID is granted (Samba, mapping the DACL onto a POSIX ACL, may list an ACE
      // twice when it reads it back).
      expect(grants(copied.dacl!)).toEqual(grants(source.dacl!));
    }
    expect((await descriptorOf(`${folder}\\acl\\a.txt`)).dacl).toContainEqual({
      type: AceType.ACCESS_ALLOWED,
      flags: 0,
      mask: READ_AND_EXECUTE,
      sid: EVERYONE,
    });
  }, 60_000);

  it('OWNER_DACL_SACL without the auditing privilege fails the files with permission-denied, naming it', async () => {
    const folder = await arrange();
    const result = await copy(folder, 'dst', 'owner-dacl-sacl');
    expect(result.code).toBe(1);
    expect(result.execution.status).toBe('ERROR');
    expect(result.execution.error.code).toBe('permission-denied');
    expect(result.execution.error.message).toContain('manage auditing');
    expect(result.execution.error.message).toContain('STATUS_PRIVILEGE_NOT_HELD');
    expect(result.execution.counters.FilesFailed).toBe(2);
    // No copy reached the destination without the descriptor it was meant to have.
    await expect(stat(path.join(server.root, folder, 'dst/a.txt'))).rejects.toThrow();
    await expect(stat(path.join(server.root, folder, 'dst/sub/b.txt'))).rejects.toThrow();
  }, 60_000);
});
