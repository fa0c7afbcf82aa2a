import { execFile, execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smb2Client } from '../../src-main/protocols/smb2/smb2-client';
import {
  Access,
  Disposition,
  InfoType,
  type OpenFile,
  type Smb2Share,
} from '../../src-main/protocols/smb2/smb2-files';
import {
  AceType,
  buildSecurityDescriptor,
  parseSecurityDescriptor,
  querySecurityDescriptor,
  SecurityControl,
  SecurityInformation,
  securityAccess,
  setSecurityDescriptor,
  type Ace,
} from '../../src-main/protocols/smb2/smb2-security';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * Security descriptors over our SMB2 client against a real Samba 4.17 with its defaults: no
 * acl_xattr, so Samba maps each DACL onto the file's mode and POSIX ACL and reads it back from
 * them (owner, owning group, other = Everyone). What we set is checked with our parser, on
 * disk, and with Samba's own smbcacls.
 */

const { OWNER, GROUP, DACL, SACL } = SecurityInformation;
const EVERYONE = 'S-1-1-0';
/** FILE_GENERIC_READ | FILE_EXECUTE: what Samba maps r-x to. */
const READ_AND_EXECUTE = 0x001200a9;
const STATUS_INVALID_OWNER = 0xc000005a;

let server: RunningSmbServer;
let smb: Smb2Client;
let share: Smb2Share;

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

async function createFile(name: string, access: number): Promise<OpenFile> {
  return share.create(name, { access: access | Access.READ_DATA, disposition: Disposition.CREATE });
}

async function readDescriptor(file: OpenFile, info = OWNER | GROUP | DACL) {
  return parseSecurityDescriptor(await querySecurityDescriptor(share, file, info));
}

/** Sets `aces` as the file's DACL alone (owner and group left out of the bytes and of info). */
async function setDacl(file: OpenFile, control: number, aces: Ace[]): Promise<void> {
  const descriptor = buildSecurityDescriptor({ control, dacl: aces });
  await setSecurityDescriptor(share, file, descriptor, DACL);
}

describe('security descriptors against Samba', () => {
  it('reads owner, group and DACL of a new file, and builds back the very bytes', async () => {
    const file = await createFile('sd-read.txt', securityAccess(OWNER | GROUP | DACL, 'read'));
    try {
      const raw = await querySecurityDescriptor(share, file, OWNER | GROUP | DACL);
      const sd = parseSecurityDescriptor(raw);
      const gid = Number(execFileSync('id', ['-g', server.user]).toString());
      // smbtest's SID in Samba's own domain; its Unix group as a Unix-group SID (S-1-22-2).
      expect(sd.owner).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
      expect(sd.group).toBe(`S-1-22-2-${gid}`);
      expect(sd.control & SecurityControl.SELF_RELATIVE).toBeTruthy();
      expect(sd.control & SecurityControl.DACL_PRESENT).toBeTruthy();
      expect(sd.sacl).toBeUndefined();
      expect(sd.dacl?.length).toBeGreaterThan(0);
      // The owner's ACE: everything but DELETE (0x001e01ff), from the mode's rw- for the user.
      expect(sd.dacl).toContainEqual({
        type: AceType.ACCESS_ALLOWED,
        flags: 0,
        mask: 0x001e01ff,
        sid: sd.owner,
      });
      expect(buildSecurityDescriptor(sd)).toEqual(raw);

      // Only what was asked for comes back (Samba keeps DACL_PROTECTED in the control).
      const ownerOnly = await readDescriptor(file, OWNER);
      expect(ownerOnly).toEqual({ control: ownerOnly.control, owner: sd.owner });
      expect(ownerOnly.control & SecurityControl.DACL_PRESENT).toBe(0);
    } finally {
      await share.close(file);
    }
  });

  it('answers STATUS_BUFFER_TOO_SMALL to a buffer the descriptor does not fit', async () => {
    const file = await createFile('sd-small.txt', Access.READ_CONTROL);
    try {
      for (const outputLength of [0, 16]) {
        await expect(
          share.queryInfo(file, InfoType.SECURITY, 0, { outputLength, additional: DACL }),
        ).rejects.toMatchObject({ name: 'Smb2StatusError', statusName: 'STATUS_BUFFER_TOO_SMALL' });
      }
    } finally {
      await share.close(file);
    }
  });

  it('adds an ACE allowing Everyone read to the DACL; our parser and the disk see it', async () => {
    const name = 'sd-everyone.txt';
    const file = await createFile(name, Access.READ_CONTROL | Access.WRITE_DAC);
    try {
      const before = await readDescriptor(file);
      // First without Everyone (Samba: other ---), then with Everyone read (other r-x).
      const withoutEveryone = before.dacl!.filter((ace) => ace.sid !== EVERYONE);
      await setDacl(file, before.control, withoutEveryone);
      const cleared = await readDescriptor(file);
      // Samba always lists "other" as Everyone, here with no access at all.
      expect(cleared.dacl?.filter((ace) => ace.sid === EVERYONE)).toEqual([
        { type: AceType.ACCESS_ALLOWED, flags: 0, mask: 0, sid: EVERYONE },
      ]);
      expect((await stat(path.join(server.root, name))).mode & 0o7).toBe(0);

      const everyoneRead = { type: AceType.ACCESS_ALLOWED, flags: 0, mask: READ_AND_EXECUTE };
      await setDacl(file, before.control, [...withoutEveryone, { ...everyoneRead, sid: EVERYONE }]);
      const after = await readDescriptor(file);
      expect(after.dacl).toContainEqual({ ...everyoneRead, sid: EVERYONE });
      expect(after.owner).toBe(before.owner);
      expect(after.group).toBe(before.group);
      expect((await stat(path.join(server.root, name))).mode & 0o7).toBe(0o5);
    } finally {
      await share.close(file);
    }
  });

  it('smbcacls (Samba`s own client) lists the Everyone ACE we set', async (context) => {
    const name = 'sd-smbcacls.txt';
    const file = await createFile(name, Access.READ_CONTROL | Access.WRITE_DAC);
    try {
      const before = await readDescriptor(file);
      await setDacl(file, before.control, [
        ...before.dacl!.filter((ace) => ace.sid !== EVERYONE),
        { type: AceType.ACCESS_ALLOWED, flags: 0, mask: READ_AND_EXECUTE, sid: EVERYONE },
      ]);
    } finally {
      await share.close(file);
    }
    // smbcacls 4.17 has no port option and tries only 445 and 139: give it a 445 that forwards
    // to the test server. Binding 445 takes root (CI runs the tests as root).
    const forwarder = await forwardPort445(server.port);
    if (!forwarder)
      return context.skip('cannot listen on 127.0.0.2:445 (needs root and the port free)');
    try {
      const args = [`//127.0.0.2/${server.share}`, name];
      const auth = ['-U', `${server.user}%${server.password}`, '-W', 'TESTGROUP'];
      const numeric = await smbcacls([...args, ...auth, '--numeric']);
      // ACL:<sid>:<type>/<flags>/<mask>, type 0 = ACCESS_ALLOWED.
      expect(numeric).toContain(`ACL:${EVERYONE}:0/0x0/0x001200a9\n`);
      expect(numeric).toMatch(/^CONTROL:0x[0-9a-f]{4}$/m);
      expect(numeric).toMatch(/^OWNER:S-1-5-21-\d+-\d+-\d+-\d+$/m);
      // Named: ALLOWED and READ (smbcacls' name for 0x001200a9); the SID stays a SID when
      // smbcacls cannot look names up.
      const named = await smbcacls([...args, ...auth]);
      expect(named).toMatch(/^ACL:(S-1-1-0|\\?Everyone):ALLOWED\/0x0\/READ$/m);
    } finally {
      await new Promise((resolve) => forwarder.close(resolve));
    }
  });

  it('a SACL takes a privilege the test user lacks', async () => {
    // Asking ACCESS_SYSTEM_SECURITY at CREATE needs SeSecurityPrivilege.
    const file = await createFile('sd-sacl.txt', Access.READ_CONTROL);
    try {
      await expect(
        share.create('sd-sacl.txt', {
          access: securityAccess(SACL, 'read'),
          disposition: Disposition.OPEN,
        }),
      ).rejects.toMatchObject({ name: 'Smb2StatusError', statusName: 'STATUS_PRIVILEGE_NOT_HELD' });
      // An open without it may not read the SACL.
      await expect(querySecurityDescriptor(share, file, SACL)).rejects.toMatchObject({
        name: 'Smb2StatusError',
        statusName: 'STATUS_ACCESS_DENIED',
      });
    } finally {
      await share.close(file);
    }
  });

  it('refuses what the open was not granted, and owners the user may not give', async () => {
    const readOnly = await createFile('sd-denied.txt', Access.READ_CONTROL);
    const noControl = await share.create('sd-denied.txt', {
      access: Access.READ_DATA,
      disposition: Disposition.OPEN,
    });
    const owned = await share.create('sd-denied.txt', {
      access: Access.READ_CONTROL | Access.WRITE_OWNER,
      disposition: Disposition.OPEN,
    });
    try {
      const sd = await readDescriptor(readOnly);
      await expect(setDacl(readOnly, sd.control, sd.dacl!)).rejects.toMatchObject({
        statusName: 'STATUS_ACCESS_DENIED',
      });
      await expect(querySecurityDescriptor(share, noControl, DACL)).rejects.toMatchObject({
        statusName: 'STATUS_ACCESS_DENIED',
      });

      const setOwner = (owner: string) =>
        setSecurityDescriptor(share, owned, buildSecurityDescriptor({ control: 0, owner }), OWNER);
      const setGroup = (group: string) =>
        setSecurityDescriptor(share, owned, buildSecurityDescriptor({ control: 0, group }), GROUP);
      // Giving the owner it already has is allowed.
      await expect(setOwner(sd.owner!)).resolves.toBeUndefined();
      // BUILTIN\Administrators maps to no Unix user here: STATUS_INVALID_OWNER.
      await expect(setOwner('S-1-5-32-544')).rejects.toMatchObject({
        status: STATUS_INVALID_OWNER,
      });
      // root (Unix user 0, group 0): a chown the user may not do.
      await expect(setOwner('S-1-22-1-0')).rejects.toMatchObject({
        statusName: 'STATUS_ACCESS_DENIED',
      });
      await expect(setGroup('S-1-22-2-0')).rejects.toMatchObject({
        statusName: 'STATUS_ACCESS_DENIED',
      });
      expect((await readDescriptor(readOnly)).owner).toBe(sd.owner);
      // The bytes go as they are: Samba's answer to a descriptor cut short.
      const cut = buildSecurityDescriptor({ control: 0, owner: sd.owner! }).subarray(0, 30);
      await expect(setSecurityDescriptor(share, owned, cut, OWNER)).rejects.toMatchObject({
        statusName: 'STATUS_BUFFER_TOO_SMALL',
      });
    } finally {
      for (const file of [readOnly, noControl, owned]) await share.close(file);
    }
  });
});

/** A TCP forwarder on 127.0.0.2:445 to the test server, or null when 445 cannot be bound. */
async function forwardPort445(target: number): Promise<net.Server | null> {
  const forwarder = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => {
    forwarder.once('error', () => resolve(null));
    forwarder.listen(445, '127.0.0.2', () => resolve(forwarder));
  });
}

/** smbcacls' output; asynchronous, so that the forwarder in this process keeps forwarding. */
async function smbcacls(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('/usr/bin/smbcacls', args, { timeout: 15_000 });
  return stdout;
}
