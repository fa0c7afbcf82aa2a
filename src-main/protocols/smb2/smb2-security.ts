import { Access, InfoType, type OpenFile, type Smb2Share } from './smb2-files';
import { Smb2FormatError } from './smb2-header';
import { Smb2StatusError, Status } from './smb2-status';

/*
 * Security descriptors (MS-DTYP 2.4.6) as QUERY_INFO and SET_INFO carry them with InfoType
 * SECURITY (MS-SMB2 2.2.37, 2.2.39): always self-relative, little-endian, the owner, group,
 * SACL and DACL found by offsets from the descriptor's start. SIDs (2.4.2) are handled as
 * their string form "S-1-5-21-...", ACLs (2.4.5) as arrays of ACEs (2.4.4).
 */

/** AdditionalInformation flags: which parts of the descriptor a query or set is about. */
export const SecurityInformation = {
  OWNER: 0x1,
  GROUP: 0x2,
  DACL: 0x4,
  SACL: 0x8,
} as const;

/** SECURITY_DESCRIPTOR Control bits (MS-DTYP 2.4.6). */
export const SecurityControl = {
  OWNER_DEFAULTED: 0x0001,
  GROUP_DEFAULTED: 0x0002,
  DACL_PRESENT: 0x0004,
  DACL_DEFAULTED: 0x0008,
  SACL_PRESENT: 0x0010,
  SACL_DEFAULTED: 0x0020,
  DACL_TRUSTED: 0x0040,
  SERVER_SECURITY: 0x0080,
  DACL_AUTO_INHERIT_REQ: 0x0100,
  SACL_AUTO_INHERIT_REQ: 0x0200,
  DACL_AUTO_INHERITED: 0x0400,
  SACL_AUTO_INHERITED: 0x0800,
  DACL_PROTECTED: 0x1000,
  SACL_PROTECTED: 0x2000,
  RM_CONTROL_VALID: 0x4000,
  SELF_RELATIVE: 0x8000,
} as const;

/** ACE_HEADER AceType values (MS-DTYP 2.4.4.1). */
export const AceType = {
  ACCESS_ALLOWED: 0x00,
  ACCESS_DENIED: 0x01,
  SYSTEM_AUDIT: 0x02,
  SYSTEM_ALARM: 0x03,
  ACCESS_ALLOWED_COMPOUND: 0x04,
  ACCESS_ALLOWED_OBJECT: 0x05,
  ACCESS_DENIED_OBJECT: 0x06,
  SYSTEM_AUDIT_OBJECT: 0x07,
  SYSTEM_ALARM_OBJECT: 0x08,
  ACCESS_ALLOWED_CALLBACK: 0x09,
  ACCESS_DENIED_CALLBACK: 0x0a,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0x0b,
  ACCESS_DENIED_CALLBACK_OBJECT: 0x0c,
  SYSTEM_AUDIT_CALLBACK: 0x0d,
  SYSTEM_ALARM_CALLBACK: 0x0e,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 0x0f,
  SYSTEM_ALARM_CALLBACK_OBJECT: 0x10,
  SYSTEM_MANDATORY_LABEL: 0x11,
  SYSTEM_RESOURCE_ATTRIBUTE: 0x12,
  SYSTEM_SCOPED_POLICY_ID: 0x13,
} as const;

/** ACE_HEADER AceFlags bits (MS-DTYP 2.4.4.1). */
export const AceFlag = {
  OBJECT_INHERIT: 0x01,
  CONTAINER_INHERIT: 0x02,
  NO_PROPAGATE_INHERIT: 0x04,
  INHERIT_ONLY: 0x08,
  INHERITED: 0x10,
  SUCCESSFUL_ACCESS: 0x40,
  FAILED_ACCESS: 0x80,
} as const;

/** One access control entry. */
export interface Ace {
  type: number;
  flags: number;
  /** ACCESS_MASK: every ACE type has one right after its header. */
  mask: number;
  /**
   * The trustee, for the types laid out as mask then SID (allowed, denied, audit, alarm, their
   * callback forms, mandatory label, resource attribute, scoped policy id). Absent for the
   * object and compound types and for unknown ones: their bytes after the mask are `data`.
   */
  sid?: string;
  /**
   * What follows the SID inside the ACE (callback application data, attribute data, padding),
   * or, for an ACE without `sid`, everything after the mask. Absent when there is nothing.
   */
  data?: Buffer;
}

/**
 * A parsed descriptor. A part that is absent was not in it (not asked for, or not set);
 * `dacl: null` is a NULL DACL (present but empty of any ACL: everyone has every access), which
 * is not the same as `dacl: []` (an empty DACL: no one has any).
 */
export interface SecurityDescriptor {
  control: number;
  owner?: string;
  group?: string;
  sacl?: Ace[] | null;
  dacl?: Ace[] | null;
}

/** Types whose body is Mask, Sid, then optional data. */
const SID_ACE_TYPES: ReadonlySet<number> = new Set([
  AceType.ACCESS_ALLOWED,
  AceType.ACCESS_DENIED,
  AceType.SYSTEM_AUDIT,
  AceType.SYSTEM_ALARM,
  AceType.ACCESS_ALLOWED_CALLBACK,
  AceType.ACCESS_DENIED_CALLBACK,
  AceType.SYSTEM_AUDIT_CALLBACK,
  AceType.SYSTEM_ALARM_CALLBACK,
  AceType.SYSTEM_MANDATORY_LABEL,
  AceType.SYSTEM_RESOURCE_ATTRIBUTE,
  AceType.SYSTEM_SCOPED_POLICY_ID,
]);

/** Object ACEs require ACL_REVISION_DS in the ACL that holds them (MS-DTYP 2.4.5). */
const OBJECT_ACE_TYPES: ReadonlySet<number> = new Set([
  AceType.ACCESS_ALLOWED_OBJECT,
  AceType.ACCESS_DENIED_OBJECT,
  AceType.SYSTEM_AUDIT_OBJECT,
  AceType.SYSTEM_ALARM_OBJECT,
  AceType.ACCESS_ALLOWED_CALLBACK_OBJECT,
  AceType.ACCESS_DENIED_CALLBACK_OBJECT,
  AceType.SYSTEM_AUDIT_CALLBACK_OBJECT,
  AceType.SYSTEM_ALARM_CALLBACK_OBJECT,
]);
const ACL_REVISION = 2;
const ACL_REVISION_DS = 4;

const DESCRIPTOR_HEADER = 20; // Revision, Sbz1, Control, four offsets
const ACL_HEADER = 8; // AclRevision, Sbz1, AclSize, AceCount, Sbz2
const ACE_FIXED = 8; // AceType, AceFlags, AceSize, Mask
const SID_FIXED = 8; // Revision, SubAuthorityCount, IdentifierAuthority (6)
const MAX_SUB_AUTHORITIES = 15;
const UINT32_MAX = 0xffffffff;
const AUTHORITY_MAX = 2 ** 48 - 1;

// ---------------------------------------------------------------- over SMB2

/*
 * A descriptor holds at most two ACLs of at most 64 KiB each (AclSize is 16 bits), so about
 * 128 KiB in all: 64 KiB (one credit) holds nearly every one, and doubling reaches any within
 * two retries. The bound only stops a server that keeps answering "too small".
 */
const FIRST_OUTPUT = 64 * 1024;
const MAX_OUTPUT = 1024 * 1024;

/**
 * QUERY_INFO of the parts of `file`'s descriptor named by `info` (SecurityInformation flags);
 * resolves with the self-relative bytes (parseSecurityDescriptor reads them). `file` must be
 * open with securityAccess(info, 'read'). On STATUS_BUFFER_TOO_SMALL it asks again with twice
 * the room, up to 1 MiB. Throws Smb2StatusError: STATUS_ACCESS_DENIED when the open lacks the
 * access (Samba: also for a SACL on an open without ACCESS_SYSTEM_SECURITY),
 * STATUS_BUFFER_TOO_SMALL past 1 MiB, or whatever else the server answers.
 */
export async function querySecurityDescriptor(
  share: Smb2Share,
  file: OpenFile,
  info: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  // The server gives the size it needs in the ERROR response's data (MS-SMB2 3.3.5.20.3), but
  // Smb2Share.queryInfo throws on that status without it: doubling is the way left.
  for (let outputLength = FIRST_OUTPUT; ; outputLength *= 2) {
    try {
      return await share.queryInfo(file, InfoType.SECURITY, 0, {
        outputLength,
        additional: info,
        signal,
      });
    } catch (error) {
      const tooSmall = error instanceof Smb2StatusError && error.status === Status.BUFFER_TOO_SMALL;
      if (!tooSmall || outputLength * 2 > MAX_OUTPUT) throw error;
    }
  }
}

/**
 * SET_INFO of the parts of `descriptor` (self-relative, as buildSecurityDescriptor makes)
 * named by `info`; the server leaves the other parts as they are. The bytes are sent as given.
 * `file` must be open with securityAccess(info, 'write'). Throws Smb2StatusError:
 * STATUS_ACCESS_DENIED without that access or for an owner or group the user may not give
 * (Samba: one it cannot chown to), 0xC000005A STATUS_INVALID_OWNER for an owner SID the
 * server maps to no account, STATUS_BUFFER_TOO_SMALL (Samba) for a descriptor cut short.
 */
export async function setSecurityDescriptor(
  share: Smb2Share,
  file: OpenFile,
  descriptor: Buffer,
  info: number,
  signal?: AbortSignal,
): Promise<void> {
  await share.setInfo(file, InfoType.SECURITY, 0, descriptor, { additional: info, signal });
}

/**
 * The DesiredAccess an open needs to read or write the parts named by `info` (MS-SMB2
 * 3.3.5.20.3, 3.3.5.21.3): READ_CONTROL to read owner, group and DACL, WRITE_OWNER to write
 * owner or group, WRITE_DAC to write the DACL, ACCESS_SYSTEM_SECURITY to read or write the
 * SACL (which also needs the server's "manage auditing" privilege, SeSecurityPrivilege, at
 * CREATE). Throws RangeError for a flag other than OWNER, GROUP, DACL and SACL.
 */
export function securityAccess(info: number, mode: 'read' | 'write'): number {
  const known = Object.values(SecurityInformation).reduce((all, flag) => all | flag, 0);
  if ((info & ~known) !== 0) {
    throw new RangeError(`Unknown security information flags: 0x${info.toString(16)}`);
  }
  let access = 0;
  if (info & SecurityInformation.SACL) access |= Access.ACCESS_SYSTEM_SECURITY;
  if (mode === 'read') {
    if (info & (SecurityInformation.OWNER | SecurityInformation.GROUP | SecurityInformation.DACL))
      access |= Access.READ_CONTROL;
  } else {
    if (info & (SecurityInformation.OWNER | SecurityInformation.GROUP))
      access |= Access.WRITE_OWNER;
    if (info & SecurityInformation.DACL) access |= Access.WRITE_DAC;
  }
  return access;
}

// ---------------------------------------------------------------- parsing

function malformed(what: string): Smb2FormatError {
  return new Smb2FormatError(`Malformed security descriptor: ${what}`);
}

/** `length` bytes at `offset` must lie inside `end` (a limit within `buf`). */
function need(offset: number, length: number, end: number, what: string): void {
  if (offset + length > end) {
    throw malformed(`${what} needs ${length} bytes at ${offset}, only ${end - offset} there`);
  }
}

/**
 * A self-relative SECURITY_DESCRIPTOR -> its parts. Throws Smb2FormatError naming what is
 * wrong: cut short, an offset into the header or past the end, a revision other than 1 (SD,
 * SID) or 2/4 (ACL), not self-relative, an ACL or ACE larger than what holds it, more ACEs
 * counted than fit, a SID with more than 15 sub-authorities. Reads nothing outside `buf`.
 * The offset of a SACL or DACL whose PRESENT bit is clear is ignored (MS-DTYP has it 0).
 */
export function parseSecurityDescriptor(buf: Buffer): SecurityDescriptor {
  need(0, DESCRIPTOR_HEADER, buf.length, 'header');
  const revision = buf.readUInt8(0);
  if (revision !== 1) throw malformed(`revision ${revision}, not 1`);
  const control = buf.readUInt16LE(2);
  if (!(control & SecurityControl.SELF_RELATIVE)) throw malformed('not self-relative');
  const part = (at: number, what: string): number | null => {
    const offset = buf.readUInt32LE(at);
    if (offset === 0) return null;
    if (offset < DESCRIPTOR_HEADER || offset >= buf.length) {
      throw malformed(`${what} offset ${offset} outside ${DESCRIPTOR_HEADER}..${buf.length - 1}`);
    }
    return offset;
  };
  const result: SecurityDescriptor = { control };
  const owner = part(4, 'owner');
  if (owner !== null) result.owner = readSid(buf, owner, buf.length, 'owner SID').sid;
  const group = part(8, 'group');
  if (group !== null) result.group = readSid(buf, group, buf.length, 'group SID').sid;
  if (control & SecurityControl.SACL_PRESENT) result.sacl = readAcl(buf, part(12, 'SACL'), 'SACL');
  if (control & SecurityControl.DACL_PRESENT) result.dacl = readAcl(buf, part(16, 'DACL'), 'DACL');
  return result;
}

function readAcl(buf: Buffer, offset: number | null, what: string): Ace[] | null {
  if (offset === null) return null;
  need(offset, ACL_HEADER, buf.length, `${what} header`);
  const revision = buf.readUInt8(offset);
  if (revision !== ACL_REVISION && revision !== ACL_REVISION_DS) {
    throw malformed(`${what} revision ${revision}, not 2 or 4`);
  }
  const size = buf.readUInt16LE(offset + 2);
  const count = buf.readUInt16LE(offset + 4);
  if (size < ACL_HEADER) throw malformed(`${what} size ${size} is less than its header`);
  need(offset, size, buf.length, what);
  const end = offset + size;
  const aces: Ace[] = [];
  // AclSize may leave room after the last ACE (MS-DTYP 2.4.5): the count says where to stop.
  // Each ACE is at least 8 bytes and must fit in the ACL, so the walk is bounded by both.
  let at = offset + ACL_HEADER;
  for (let i = 0; i < count; i++) {
    const which = `${what} ACE ${i + 1} of ${count}`;
    need(at, 4, end, which);
    const aceSize = buf.readUInt16LE(at + 2);
    if (aceSize < ACE_FIXED) throw malformed(`${which} size ${aceSize} is less than 8`);
    need(at, aceSize, end, which);
    aces.push(readAce(buf, at, aceSize, which));
    at += aceSize;
  }
  return aces;
}

function readAce(buf: Buffer, at: number, size: number, what: string): Ace {
  const end = at + size;
  const ace: Ace = {
    type: buf.readUInt8(at),
    flags: buf.readUInt8(at + 1),
    mask: buf.readUInt32LE(at + 4),
  };
  let rest = at + ACE_FIXED;
  if (SID_ACE_TYPES.has(ace.type)) {
    const sid = readSid(buf, rest, end, `${what} SID`);
    ace.sid = sid.sid;
    rest += sid.length;
  }
  // A copy: the ACE should not keep the whole response alive.
  if (rest < end) ace.data = Buffer.from(buf.subarray(rest, end));
  return ace;
}

function readSid(
  buf: Buffer,
  offset: number,
  end: number,
  what: string,
): { sid: string; length: number } {
  need(offset, SID_FIXED, end, what);
  const revision = buf.readUInt8(offset);
  if (revision !== 1) throw malformed(`${what} revision ${revision}, not 1`);
  const count = buf.readUInt8(offset + 1);
  if (count > MAX_SUB_AUTHORITIES) {
    throw malformed(`${what} has ${count} sub-authorities, at most ${MAX_SUB_AUTHORITIES}`);
  }
  const length = SID_FIXED + 4 * count;
  need(offset, length, end, what);
  // The authority is big-endian, unlike everything else here (MS-DTYP 2.4.1).
  const authority = buf.readUIntBE(offset + 2, 6);
  const parts = ['S-1', authorityString(authority)];
  for (let i = 0; i < count; i++) parts.push(String(buf.readUInt32LE(offset + SID_FIXED + 4 * i)));
  return { sid: parts.join('-'), length };
}

/** Decimal below 2^32, else "0x" and 12 hex digits (MS-DTYP 2.4.2.1). */
function authorityString(authority: number): string {
  return authority <= UINT32_MAX
    ? String(authority)
    : `0x${authority.toString(16).toUpperCase().padStart(12, '0')}`;
}

/** The binary SID at the start of `bytes` (bytes after it are ignored) -> "S-1-...". Throws Smb2FormatError when cut short, of a revision other than 1 or with more than 15 sub-authorities. */
export function sidToString(bytes: Buffer): string {
  return readSid(bytes, 0, bytes.length, 'SID').sid;
}

const SID_PATTERN = /^S-1-(0x[0-9a-f]{12}|\d+)((?:-\d+)*)$/i;

/** "S-1-5-32-544" -> its binary form (MS-DTYP 2.4.2.1 string syntax; the authority decimal or 0x and 12 hex digits). Throws RangeError for anything else, a value out of range or more than 15 sub-authorities. */
export function sidFromString(text: string): Buffer {
  const match = SID_PATTERN.exec(text);
  if (!match) throw new RangeError(`Not a SID: "${text}"`);
  const [, authorityText = '', subsText = ''] = match;
  const authority = Number(authorityText);
  // Number('0x...') reads hex; decimals may only name what fits the 6-byte authority.
  if (!(authority <= AUTHORITY_MAX)) throw new RangeError(`SID authority too large: "${text}"`);
  const subs = subsText === '' ? [] : subsText.slice(1).split('-').map(Number);
  if (subs.length > MAX_SUB_AUTHORITIES) {
    throw new RangeError(`SID with more than ${MAX_SUB_AUTHORITIES} sub-authorities: "${text}"`);
  }
  if (subs.some((sub) => sub > UINT32_MAX)) {
    throw new RangeError(`SID sub-authority above 2^32-1: "${text}"`);
  }
  const out = Buffer.alloc(SID_FIXED + 4 * subs.length);
  out[0] = 1;
  out[1] = subs.length;
  out.writeUIntBE(authority, 2, 6);
  subs.forEach((sub, i) => out.writeUInt32LE(sub, SID_FIXED + 4 * i));
  return out;
}

// ---------------------------------------------------------------- building

/**
 * The parts of `descriptor` -> self-relative bytes, laid out as Samba does (header, owner,
 * group, SACL, DACL), so that bytes in that layout come back unchanged from
 * parseSecurityDescriptor then this. SELF_RELATIVE, DACL_PRESENT and SACL_PRESENT follow from
 * the parts given (leave a part out to leave it out of a SET_INFO); the other control bits
 * are kept, and Sbz1 (resource manager bits) is 0. An ACL is revision 4 when it holds an
 * object ACE, else 2; ACEs are padded to 4 bytes. Throws RangeError for a bad SID string, an ACE whose type needs a SID it lacks (or
 * has one its type cannot hold), a field out of range, or an ACL or ACE past 65535 bytes.
 */
export function buildSecurityDescriptor(descriptor: SecurityDescriptor): Buffer {
  const present = SecurityControl.DACL_PRESENT | SecurityControl.SACL_PRESENT;
  let control = (descriptor.control & ~present) | SecurityControl.SELF_RELATIVE;
  if (descriptor.sacl !== undefined) control |= SecurityControl.SACL_PRESENT;
  if (descriptor.dacl !== undefined) control |= SecurityControl.DACL_PRESENT;
  const header = Buffer.alloc(DESCRIPTOR_HEADER);
  header[0] = 1;
  header.writeUInt16LE(control, 2);
  const pieces: Buffer[] = [header];
  let at = DESCRIPTOR_HEADER;
  const place = (field: number, bytes: Buffer | null): void => {
    if (bytes === null) return; // offset stays 0: absent, or a NULL ACL
    header.writeUInt32LE(at, field);
    pieces.push(bytes);
    at += bytes.length;
  };
  place(4, descriptor.owner === undefined ? null : sidFromString(descriptor.owner));
  place(8, descriptor.group === undefined ? null : sidFromString(descriptor.group));
  place(12, descriptor.sacl ? encodeAcl(descriptor.sacl, 'SACL') : null);
  place(16, descriptor.dacl ? encodeAcl(descriptor.dacl, 'DACL') : null);
  return Buffer.concat(pieces);
}

function encodeAcl(aces: Ace[], what: string): Buffer {
  const encoded = aces.map((ace, i) => encodeAce(ace, `${what} ACE ${i + 1}`));
  const size = ACL_HEADER + encoded.reduce((sum, ace) => sum + ace.length, 0);
  if (size > 0xffff) throw new RangeError(`${what} of ${size} bytes: at most 65535`);
  const header = Buffer.alloc(ACL_HEADER);
  const object = aces.some((ace) => OBJECT_ACE_TYPES.has(ace.type));
  header[0] = object ? ACL_REVISION_DS : ACL_REVISION;
  header.writeUInt16LE(size, 2);
  header.writeUInt16LE(aces.length, 4);
  return Buffer.concat([header, ...encoded]);
}

function encodeAce(ace: Ace, what: string): Buffer {
  const hasSid = SID_ACE_TYPES.has(ace.type);
  if (hasSid && ace.sid === undefined)
    throw new RangeError(`${what} of type ${ace.type} needs a SID`);
  if (!hasSid && ace.sid !== undefined) {
    throw new RangeError(`${what} of type ${ace.type} keeps its SID in its data, not in sid`);
  }
  const sid = ace.sid === undefined ? Buffer.alloc(0) : sidFromString(ace.sid);
  const data = ace.data ?? Buffer.alloc(0);
  const unpadded = ACE_FIXED + sid.length + data.length;
  // AceSize must be a multiple of 4, so that the next ACE is DWORD-aligned (MS-DTYP 2.4.4.1).
  const size = Math.ceil(unpadded / 4) * 4;
  if (size > 0xffff) throw new RangeError(`${what} of ${size} bytes: at most 65535`);
  const out = Buffer.alloc(size);
  out.writeUInt8(ace.type, 0);
  out.writeUInt8(ace.flags, 1);
  out.writeUInt16LE(size, 2);
  // >>> 0: masks OR-ed with GENERIC_READ (bit 31) are negative numbers in JavaScript.
  out.writeUInt32LE(ace.mask >>> 0, 4);
  sid.copy(out, ACE_FIXED);
  data.copy(out, ACE_FIXED + sid.length);
  return out;
}
