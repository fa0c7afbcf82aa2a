import { describe, expect, it } from 'vitest';
import type { OpenFile, Smb2Share } from '../../../src-main/protocols/smb2/smb2-files';
import { Smb2FormatError } from '../../../src-main/protocols/smb2/smb2-header';
import {
  AceType,
  buildSecurityDescriptor,
  parseSecurityDescriptor,
  querySecurityDescriptor,
  SecurityControl,
  SecurityInformation,
  securityAccess,
  sidFromString,
  sidToString,
  type Ace,
  type SecurityDescriptor,
} from '../../../src-main/protocols/smb2/smb2-security';
import { Smb2StatusError, Status } from '../../../src-main/protocols/smb2/smb2-status';

/*
 * Security descriptors built by hand from MS-DTYP's layouts (SID 2.4.2, ACE 2.4.4, ACL 2.4.5,
 * SECURITY_DESCRIPTOR 2.4.6): every byte below is written out from the spec, not produced by
 * the code under test.
 */

const FILE_ALL_ACCESS = 0x001f01ff;
const FILE_WRITE_DATA = 0x00000002;

/** Revision 1, count, 6-byte big-endian authority, little-endian sub-authorities. */
function sid(authority: number, ...subs: number[]): Buffer {
  const out = Buffer.alloc(8 + 4 * subs.length);
  out[0] = 1;
  out[1] = subs.length;
  out.writeUIntBE(authority, 2, 6);
  subs.forEach((sub, i) => out.writeUInt32LE(sub, 8 + 4 * i));
  return out;
}

/** AceType, AceFlags, AceSize, Mask, then the rest. */
function ace(type: number, flags: number, mask: number, rest: Buffer): Buffer {
  const out = Buffer.alloc(8 + rest.length);
  out[0] = type;
  out[1] = flags;
  out.writeUInt16LE(out.length, 2);
  out.writeUInt32LE(mask, 4);
  rest.copy(out, 8);
  return out;
}

/** AclRevision, Sbz1, AclSize, AceCount, Sbz2, then the ACEs. */
function acl(revision: number, aces: Buffer[], count = aces.length): Buffer {
  const header = Buffer.alloc(8);
  header[0] = revision;
  header.writeUInt16LE(8 + aces.reduce((n, a) => n + a.length, 0), 2);
  header.writeUInt16LE(count, 4);
  return Buffer.concat([header, ...aces]);
}

/** Revision 1, Sbz1, Control, OffsetOwner, OffsetGroup, OffsetSacl, OffsetDacl. */
function header(control: number, owner: number, group: number, sacl: number, dacl: number) {
  const out = Buffer.alloc(20);
  out[0] = 1;
  out.writeUInt16LE(control, 2);
  [owner, group, sacl, dacl].forEach((offset, i) => out.writeUInt32LE(offset, 4 + 4 * i));
  return out;
}

const OWNER = sid(5, 21, 1, 2, 3, 1000); // 28 bytes
const GROUP = sid(5, 21, 1, 2, 3, 513); // 28 bytes
const EVERYONE = sid(1, 0); // 12 bytes
const ALLOW_EVERYONE = ace(0, 0, FILE_ALL_ACCESS, EVERYONE); // 20 bytes
const DENY_GUESTS = ace(1, 0x03, FILE_WRITE_DATA, sid(5, 32, 546)); // 24 bytes
const DACL = acl(2, [ALLOW_EVERYONE, DENY_GUESTS]); // 52 bytes
const SR_DP = 0x8004; // SELF_RELATIVE | DACL_PRESENT

/** Samba's layout: header, owner at 20, group at 48, DACL at 76. */
const KNOWN = Buffer.concat([header(SR_DP, 20, 48, 0, 76), OWNER, GROUP, DACL]);
const KNOWN_PARSED: SecurityDescriptor = {
  control: SR_DP,
  owner: 'S-1-5-21-1-2-3-1000',
  group: 'S-1-5-21-1-2-3-513',
  dacl: [
    { type: AceType.ACCESS_ALLOWED, flags: 0, mask: FILE_ALL_ACCESS, sid: 'S-1-1-0' },
    { type: AceType.ACCESS_DENIED, flags: 0x03, mask: FILE_WRITE_DATA, sid: 'S-1-5-32-546' },
  ],
};

describe('parseSecurityDescriptor', () => {
  it('reads a hand-built descriptor: owner, group and a DACL with an allow and a deny ACE', () => {
    expect(KNOWN.length).toBe(128);
    expect(parseSecurityDescriptor(KNOWN)).toEqual(KNOWN_PARSED);
  });

  it('follows the offsets in any order (Windows puts the DACL first)', () => {
    const windows = Buffer.concat([header(SR_DP, 72, 100, 0, 20), DACL, OWNER, GROUP]);
    expect(parseSecurityDescriptor(windows)).toEqual(KNOWN_PARSED);
  });

  it('leaves out the parts whose offset is 0, tells a NULL DACL from an empty one', () => {
    expect(parseSecurityDescriptor(header(0x8000, 0, 0, 0, 0))).toEqual({ control: 0x8000 });
    expect(parseSecurityDescriptor(header(SR_DP, 0, 0, 0, 0))).toEqual({
      control: SR_DP,
      dacl: null,
    });
    const empty = Buffer.concat([header(SR_DP, 0, 0, 0, 20), acl(2, [])]);
    expect(parseSecurityDescriptor(empty).dacl).toEqual([]);
  });

  it('ignores a DACL offset when DACL_PRESENT is clear', () => {
    const notPresent = Buffer.concat([header(0x8000, 0, 0, 0, 20), DACL]);
    expect(parseSecurityDescriptor(notPresent)).toEqual({ control: 0x8000 });
  });

  it('reads a SACL with an audit ACE', () => {
    const audit = ace(2, 0xc0, FILE_WRITE_DATA, EVERYONE); // SUCCESSFUL | FAILED
    const buf = Buffer.concat([header(0x8010, 0, 0, 20, 0), acl(2, [audit])]);
    expect(parseSecurityDescriptor(buf)).toEqual({
      control: 0x8010,
      sacl: [{ type: AceType.SYSTEM_AUDIT, flags: 0xc0, mask: FILE_WRITE_DATA, sid: 'S-1-1-0' }],
    });
  });

  it('keeps object ACEs raw and callback data after the SID', () => {
    // ACCESS_ALLOWED_OBJECT: Mask, Flags (1: ObjectType present), ObjectType GUID, SID.
    const objectBody = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.alloc(16, 0xab), EVERYONE]);
    const objectAce = ace(5, 0, 0x100, objectBody);
    const callbackAce = ace(9, 0, 1, Buffer.concat([EVERYONE, Buffer.from('artx')]));
    const buf = Buffer.concat([header(SR_DP, 0, 0, 0, 20), acl(4, [objectAce, callbackAce])]);
    expect(parseSecurityDescriptor(buf).dacl).toEqual([
      { type: 5, flags: 0, mask: 0x100, data: objectBody },
      { type: 9, flags: 0, mask: 1, sid: 'S-1-1-0', data: Buffer.from('artx') },
    ]);
    expect(buildSecurityDescriptor(parseSecurityDescriptor(buf))).toEqual(buf);
  });
});

describe('buildSecurityDescriptor', () => {
  it('gives back the bytes it was parsed from, in Samba`s layout', () => {
    expect(buildSecurityDescriptor(parseSecurityDescriptor(KNOWN))).toEqual(KNOWN);
  });

  it('parse(build(x)) is x, with the present bits following the parts', () => {
    const descriptors: SecurityDescriptor[] = [
      KNOWN_PARSED,
      { control: 0x8000 },
      { control: SR_DP | SecurityControl.DACL_PROTECTED, dacl: [] },
      { control: 0x8014, owner: 'S-1-5-32-544', sacl: [], dacl: null },
    ];
    for (const d of descriptors) {
      expect(parseSecurityDescriptor(buildSecurityDescriptor(d))).toEqual(d);
    }
    // Only the DACL, as for a SET_INFO of DACL alone: the owner and group are left out.
    const daclOnly = buildSecurityDescriptor({ control: 0x8000, dacl: KNOWN_PARSED.dacl });
    expect(daclOnly).toEqual(Buffer.concat([header(SR_DP, 0, 0, 0, 20), DACL]));
    // A part taken away takes its present bit with it; a mask past 2^31 as a negative number.
    const noDacl = buildSecurityDescriptor({ control: SR_DP, owner: 'S-1-1-0' });
    expect(noDacl.readUInt16LE(2)).toBe(0x8000);
    const generic = buildSecurityDescriptor({
      control: 0,
      dacl: [{ type: 0, flags: 0, mask: 0x80000000 | 0x20000, sid: 'S-1-1-0' }],
    });
    expect(parseSecurityDescriptor(generic).dacl?.[0]?.mask).toBe(0x80020000);
  });

  it('pads ACE data to 4 bytes', () => {
    const built = buildSecurityDescriptor({
      control: 0,
      dacl: [{ type: 9, flags: 0, mask: 1, sid: 'S-1-1-0', data: Buffer.from('a') }],
    });
    expect(built.readUInt16LE(20 + 8 + 2)).toBe(8 + 12 + 4);
  });

  it('refuses an ACE without the SID its type needs, or with one it cannot hold', () => {
    expect(() =>
      buildSecurityDescriptor({ control: 0, dacl: [{ type: 0, flags: 0, mask: 1 }] }),
    ).toThrow(RangeError);
    expect(() =>
      buildSecurityDescriptor({
        control: 0,
        dacl: [{ type: 5, flags: 0, mask: 1, sid: 'S-1-1-0' }],
      }),
    ).toThrow(RangeError);
    expect(() => buildSecurityDescriptor({ control: 0, owner: 'nobody' })).toThrow(RangeError);
  });

  it('refuses an ACL past 65535 bytes', () => {
    const many: Ace[] = Array.from({ length: 3300 }, () => ({
      type: 0,
      flags: 0,
      mask: 1,
      sid: 'S-1-1-0',
    }));
    expect(() => buildSecurityDescriptor({ control: 0, dacl: many })).toThrow(/at most 65535/);
  });
});

describe('SID strings', () => {
  it('converts well-known SIDs both ways', () => {
    const cases: [string, Buffer][] = [
      ['S-1-5-32-544', Buffer.from('01020000000000052000000020020000', 'hex')],
      ['S-1-1-0', Buffer.from('010100000000000100000000', 'hex')],
      ['S-1-5-18', sid(5, 18)],
      ['S-1-5-21-1-2-3-1000', OWNER],
      ['S-1-5', sid(5)],
      ['S-1-5-21-4294967295', sid(5, 21, 0xffffffff)],
    ];
    for (const [text, bytes] of cases) {
      expect(sidToString(bytes)).toBe(text);
      expect(sidFromString(text)).toEqual(bytes);
    }
  });

  it('writes an authority of 2^32 or more in hex (MS-DTYP 2.4.2.1)', () => {
    const big = sid(0x123456789abc, 7);
    expect(sidToString(big)).toBe('S-1-0x123456789ABC-7');
    expect(sidFromString('S-1-0x123456789abc-7')).toEqual(big);
    expect(sidToString(sid(0xffffffff, 1))).toBe('S-1-4294967295-1');
  });

  it('reads the SID at the start and ignores what follows', () => {
    expect(sidToString(Buffer.concat([EVERYONE, Buffer.alloc(8, 0xff)]))).toBe('S-1-1-0');
  });

  it('refuses malformed strings', () => {
    const bad = [
      '',
      'S-1',
      'S-2-5-32',
      'S-1-5-',
      'S-1-5-x',
      'S-1-5-4294967296',
      'S-1-281474976710656-1',
      'S-1-0x12345-1',
      `S-1-5${'-1'.repeat(16)}`,
    ];
    for (const text of bad) expect(() => sidFromString(text), text).toThrow(RangeError);
    expect(sidFromString(`S-1-5${'-1'.repeat(15)}`)).toHaveLength(8 + 60);
  });

  it('refuses malformed binary SIDs', () => {
    expect(() => sidToString(Buffer.alloc(7))).toThrow(Smb2FormatError);
    expect(() => sidToString(sid(5, 1).subarray(0, 11))).toThrow(/needs 12 bytes/);
    const wrongRevision = sid(5, 1);
    wrongRevision[0] = 2;
    expect(() => sidToString(wrongRevision)).toThrow(/revision 2/);
    const sixteen = Buffer.concat([sid(5, 1), Buffer.alloc(60)]);
    sixteen[1] = 16;
    expect(() => sidToString(sixteen)).toThrow(/16 sub-authorities/);
  });
});

describe('malformed descriptors throw, naming what is wrong', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /header needs 20 bytes/],
    ['cut in the header', KNOWN.subarray(0, 19), /header needs 20 bytes/],
    ['cut in the DACL', KNOWN.subarray(0, 120), /DACL needs 52 bytes at 76/],
    ['cut in the owner', KNOWN.subarray(0, 40), /owner SID needs 28 bytes/],
    ['revision 2', patch(KNOWN, (b) => (b[0] = 2)), /revision 2, not 1/],
    ['absolute', patch(KNOWN, (b) => b.writeUInt16LE(0x0004, 2)), /not self-relative/],
    ['owner past the end', patch(KNOWN, (b) => b.writeUInt32LE(500, 4)), /owner offset 500/],
    ['group into the header', patch(KNOWN, (b) => b.writeUInt32LE(8, 8)), /group offset 8/],
    ['DACL past the end', patch(KNOWN, (b) => b.writeUInt32LE(128, 16)), /DACL offset 128/],
    ['DACL at the last bytes', patch(KNOWN, (b) => b.writeUInt32LE(124, 16)), /DACL header/],
    ['ACL revision 3', patch(KNOWN, (b) => (b[76] = 3)), /DACL revision 3/],
    ['ACL size below 8', patch(KNOWN, (b) => b.writeUInt16LE(4, 78)), /DACL size 4/],
    ['ACL size past the end', patch(KNOWN, (b) => b.writeUInt16LE(60, 78)), /DACL needs 60/],
    ['3 ACEs counted, 2 there', patch(KNOWN, (b) => b.writeUInt16LE(3, 80)), /ACE 3 of 3/],
    ['ACE size 0', patch(KNOWN, (b) => b.writeUInt16LE(0, 84 + 2)), /ACE 1 of 2 size 0/],
    ['ACE past its ACL', patch(KNOWN, (b) => b.writeUInt16LE(48, 84 + 2)), /ACE 1 of 2 needs 48/],
    ['ACE SID past the ACE', patch(KNOWN, (b) => b.writeUInt16LE(16, 84 + 2)), /ACE 1 of 2 SID/],
    ['owner SID of 16', patch(KNOWN, (b) => (b[21] = 16)), /owner SID has 16 sub-authorities/],
    ['ACE SID of 255', patch(KNOWN, (b) => (b[84 + 9] = 255)), /255 sub-authorities/],
  ];
  for (const [what, buf, message] of cases) {
    it(what, () => {
      expect(() => parseSecurityDescriptor(buf)).toThrow(Smb2FormatError);
      expect(() => parseSecurityDescriptor(buf)).toThrow(message);
    });
  }

  it('a count of 65535 ACEs in a short ACL stops at the end of the ACL', () => {
    const buf = patch(KNOWN, (b) => b.writeUInt16LE(0xffff, 80));
    expect(() => parseSecurityDescriptor(buf)).toThrow(/ACE 3 of 65535/);
  });
});

function patch(buf: Buffer, change: (copy: Buffer) => unknown): Buffer {
  const copy = Buffer.from(buf);
  change(copy);
  return copy;
}

describe('securityAccess', () => {
  const { OWNER: O, GROUP: G, DACL: D, SACL: S } = SecurityInformation;
  it('asks READ_CONTROL to read, WRITE_OWNER and WRITE_DAC to write, SYSTEM_SECURITY for a SACL', () => {
    expect(securityAccess(O | G | D, 'read')).toBe(0x00020000);
    expect(securityAccess(S, 'read')).toBe(0x01000000);
    expect(securityAccess(O | S, 'read')).toBe(0x01020000);
    expect(securityAccess(O, 'write')).toBe(0x00080000);
    expect(securityAccess(G, 'write')).toBe(0x00080000);
    expect(securityAccess(D, 'write')).toBe(0x00040000);
    expect(securityAccess(O | G | D | S, 'write')).toBe(0x010c0000);
    expect(securityAccess(0, 'read')).toBe(0);
  });

  it('refuses flags it does not know', () => {
    expect(() => securityAccess(0x10, 'read')).toThrow(RangeError);
  });
});

describe('querySecurityDescriptor', () => {
  const file = { id: Buffer.alloc(16) } as OpenFile;

  /** A share whose QUERY_INFO answers BUFFER_TOO_SMALL below `needed` bytes. */
  function fakeShare(needed: number, asked: { length: number; info: number }[]) {
    return {
      queryInfo: async (
        _file: OpenFile,
        infoType: number,
        infoClass: number,
        options: { outputLength?: number; additional?: number },
      ) => {
        expect([infoType, infoClass]).toEqual([3, 0]);
        asked.push({ length: options.outputLength ?? 0, info: options.additional ?? 0 });
        if ((options.outputLength ?? 0) < needed) {
          throw new Smb2StatusError(Status.BUFFER_TOO_SMALL, 'QUERY_INFO');
        }
        return KNOWN;
      },
    } as unknown as Smb2Share;
  }

  it('asks once when 64 KiB is enough', async () => {
    const asked: { length: number; info: number }[] = [];
    await expect(querySecurityDescriptor(fakeShare(128, asked), file, 7)).resolves.toBe(KNOWN);
    expect(asked).toEqual([{ length: 65536, info: 7 }]);
  });

  it('asks again with twice the room on STATUS_BUFFER_TOO_SMALL', async () => {
    const asked: { length: number; info: number }[] = [];
    await querySecurityDescriptor(fakeShare(131228, asked), file, 4);
    expect(asked.map((a) => a.length)).toEqual([65536, 131072, 262144]);
  });

  it('gives up past 1 MiB with the server`s status', async () => {
    const asked: { length: number; info: number }[] = [];
    await expect(
      querySecurityDescriptor(fakeShare(Infinity, asked), file, 4),
    ).rejects.toMatchObject({ statusName: 'STATUS_BUFFER_TOO_SMALL' });
    expect(asked.at(-1)?.length).toBe(1024 * 1024);
    expect(asked).toHaveLength(5);
  });
});
