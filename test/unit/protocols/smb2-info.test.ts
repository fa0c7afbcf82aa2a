import { describe, expect, it } from 'vitest';
import { Smb2FormatError } from '../../../src-main/protocols/smb2/smb2-header';
import {
  encodeBasicInformation,
  encodeDispositionInformation,
  encodeEndOfFileInformation,
  encodeRenameInformation,
  FileAttribute,
  FileInfoClass,
  filetimeToMs,
  msToFiletime,
  parseAllInformation,
  parseDirectoryEntries,
  parseNetworkOpenInformation,
  type SmbFileInfo,
} from '../../../src-main/protocols/smb2/smb2-info';

/*
 * File information classes, built by hand from MS-FSCC's layouts (section 2.4): every offset
 * below is written out from the spec, not taken from the code under test.
 */

const EPOCH = 116444736000000000n;
const INT64_MAX = 0x7fffffffffffffffn;
const SYMLINK_TAG = 0xa000000c;

// ---------------------------------------------------------------- FILETIME

describe('FILETIME conversions', () => {
  it('maps the Unix epoch and whole milliseconds exactly', () => {
    expect(filetimeToMs(EPOCH)).toBe(0);
    expect(msToFiletime(0)).toBe(EPOCH);
    const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const filetime = EPOCH + BigInt(ms) * 10000n;
    expect(filetime).toBe(133486382456780000n); // worked out apart, in Python
    expect(filetimeToMs(filetime)).toBe(ms);
    expect(msToFiletime(ms)).toBe(filetime);
    expect(new Date(filetimeToMs(filetime)).toISOString()).toBe('2024-01-02T03:04:05.678Z');
  });

  it('keeps 100 ns ticks on both sides of the epoch', () => {
    expect(filetimeToMs(EPOCH + 1n)).toBe(0.0001);
    expect(filetimeToMs(EPOCH - 1n)).toBe(-0.0001);
    expect(filetimeToMs(EPOCH + 12345n)).toBe(1.2345);
    expect(filetimeToMs(EPOCH - 12345n)).toBe(-1.2345);
    expect(msToFiletime(0.0001)).toBe(EPOCH + 1n);
    expect(msToFiletime(-0.0001)).toBe(EPOCH - 1n);
    expect(msToFiletime(-1.2345)).toBe(EPOCH - 12345n);
    // Near the epoch a double holds every tick: the round trip is exact.
    for (const ticks of [1n, 7n, 9999n, 10001n, 123456789n, 98765432109n, -98765432109n]) {
      expect(msToFiletime(filetimeToMs(EPOCH + ticks))).toBe(EPOCH + ticks);
    }
  });

  it('round-trips present-day times with 100 ns precision to within 100 ns', () => {
    const base = EPOCH + BigInt(Date.UTC(2025, 5, 30, 23, 59, 59, 999)) * 10000n;
    for (let i = 0n; i < 2000n; i++) {
      const filetime = base + i * 7919n; // every sub-millisecond phase, ticks and all
      const ms = filetimeToMs(filetime);
      const back = msToFiletime(ms);
      expect(back - filetime <= 1n && filetime - back <= 1n).toBe(true);
      // The fraction really carries the ticks (not just whole milliseconds).
      expect(
        Math.abs(
          ms - Number((filetime - EPOCH) / 10000n) - Number((filetime - EPOCH) % 10000n) / 10000,
        ),
      ).toBeLessThan(0.0002);
    }
    const ft = EPOCH + BigInt(Date.UTC(2025, 0, 1)) * 10000n + 1234n;
    expect(filetimeToMs(ft) - Date.UTC(2025, 0, 1)).toBeCloseTo(0.1234, 3);
  });

  it('accepts 1601-01-01 and rejects anything before it', () => {
    expect(filetimeToMs(0n)).toBe(-11644473600000);
    expect(new Date(filetimeToMs(0n)).toISOString()).toBe('1601-01-01T00:00:00.000Z');
    expect(msToFiletime(-11644473600000)).toBe(0n);
    // Doubles this far from 1970 step by 1/512 ms (19.53 ticks).
    expect(msToFiletime(-11644473600000 + 1 / 512)).toBe(20n);
    expect(() => msToFiletime(-11644473600000 - 1 / 512)).toThrow(RangeError);
    expect(() => msToFiletime(-11644473600001)).toThrow(RangeError);
    expect(() => filetimeToMs(-1n)).toThrow(RangeError);
  });

  it('accepts the last FILETIME (year 30828) and rejects anything after it', () => {
    const last = filetimeToMs(INT64_MAX);
    expect(last).toBeCloseTo(Number((INT64_MAX - EPOCH) / 10000n), -1);
    expect(new Date(last).getUTCFullYear()).toBe(30828);
    expect(msToFiletime(last)).toBe(INT64_MAX);
    expect(msToFiletime(last - 1000) < INT64_MAX).toBe(true);
    expect(() => filetimeToMs(INT64_MAX + 1n)).toThrow(RangeError);
    expect(() => filetimeToMs(0xffffffffffffffffn)).toThrow(RangeError);
    expect(() => msToFiletime(last + 1)).toThrow(RangeError);
    expect(() => msToFiletime(8.64e15)).toThrow(RangeError); // JavaScript's last Date
    expect(() => msToFiletime(Number.NaN)).toThrow(RangeError);
    expect(() => msToFiletime(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------- directory entries

interface Entry {
  name: string;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  endOfFile: bigint;
  allocationSize: bigint;
  attributes: number;
  eaSize: number;
  fileId: bigint;
}

/** Where each class puts its name (MS-FSCC 2.4: Directory, FullDir, BothDir, IdBothDir, IdFullDir). */
const NAME_OFFSET: Record<number, number> = {
  [FileInfoClass.FileDirectoryInformation]: 64,
  [FileInfoClass.FileFullDirectoryInformation]: 68,
  [FileInfoClass.FileBothDirectoryInformation]: 94,
  [FileInfoClass.FileIdBothDirectoryInformation]: 104,
  [FileInfoClass.FileIdFullDirectoryInformation]: 80,
};
const DIRECTORY_CLASSES = Object.keys(NAME_OFFSET).map(Number);
const CLASS_NAME = Object.fromEntries(Object.entries(FileInfoClass).map(([k, v]) => [v, k]));

/** One entry, unpadded, with NextEntryOffset 0 and junk in the fields that must be ignored. */
function buildEntry(infoClass: number, e: Entry): Buffer {
  const name = Buffer.from(e.name, 'utf16le');
  const nameOffset = NAME_OFFSET[infoClass]!;
  const b = Buffer.alloc(nameOffset + name.length, 0xaa);
  b.writeUInt32LE(0, 0); // NextEntryOffset
  b.writeUInt32LE(0x5eed, 4); // FileIndex
  b.writeBigUInt64LE(e.creationTime, 8);
  b.writeBigUInt64LE(e.lastAccessTime, 16);
  b.writeBigUInt64LE(e.lastWriteTime, 24);
  b.writeBigUInt64LE(e.changeTime, 32);
  b.writeBigUInt64LE(e.endOfFile, 40);
  b.writeBigUInt64LE(e.allocationSize, 48);
  b.writeUInt32LE(e.attributes, 56);
  b.writeUInt32LE(name.length, 60);
  if (infoClass !== FileInfoClass.FileDirectoryInformation) b.writeUInt32LE(e.eaSize, 64);
  if (
    infoClass === FileInfoClass.FileBothDirectoryInformation ||
    infoClass === FileInfoClass.FileIdBothDirectoryInformation
  ) {
    b.writeUInt8(16, 68); // ShortNameLength; Reserved1 at 69 stays junk
    Buffer.from('SHORT~1.TXT\0', 'utf16le').copy(b, 70); // ShortName, 24 bytes
  }
  if (infoClass === FileInfoClass.FileIdBothDirectoryInformation) b.writeBigUInt64LE(e.fileId, 96);
  if (infoClass === FileInfoClass.FileIdFullDirectoryInformation) b.writeBigUInt64LE(e.fileId, 72);
  name.copy(b, nameOffset);
  return b;
}

/** Entries chained by NextEntryOffset, each but the last padded (with junk) to 8 bytes. */
function buildDirectory(infoClass: number, entries: Entry[]): Buffer {
  const parts = entries.map((e, i) => {
    const entry = buildEntry(infoClass, e);
    if (i === entries.length - 1) return entry;
    const padded = Buffer.alloc((entry.length + 7) & ~7, 0xcc);
    entry.copy(padded);
    padded.writeUInt32LE(padded.length, 0);
    return padded;
  });
  return Buffer.concat(parts);
}

function entry(name: string, n: number, fields: Partial<Entry> = {}): Entry {
  const t = 133486778456781234n + BigInt(n) * 1000003n;
  return {
    name,
    creationTime: t,
    lastAccessTime: t + 1n,
    lastWriteTime: t + 2n,
    changeTime: t + 3n,
    endOfFile: 0x123456789n + BigInt(n),
    allocationSize: 0x200000000n + BigInt(n) * 4096n,
    attributes: FileAttribute.ARCHIVE,
    eaSize: 0,
    fileId: 0xfedcba9876543210n + BigInt(n),
    ...fields,
  };
}

const LISTING: Entry[] = [
  entry('.', 0, { attributes: FileAttribute.DIRECTORY, endOfFile: 0n, allocationSize: 0n }),
  entry('..', 1, { attributes: FileAttribute.DIRECTORY, endOfFile: 0n, allocationSize: 0n }),
  entry('report.txt', 2),
  entry('naïve 日本語 файл.doc', 3, { attributes: FileAttribute.READONLY | FileAttribute.HIDDEN }),
  entry('😀 party 🎉.bin', 4, { eaSize: 77 }), // surrogate pairs; EaSize is not a tag here
  entry('𝄞', 5), // one supplementary character: 4 bytes, a 2-unit string
  entry('link', 6, {
    attributes: FileAttribute.REPARSE_POINT | FileAttribute.DIRECTORY,
    eaSize: SYMLINK_TAG,
  }),
  entry('a-name-long-enough-to-need-no-padding-at-all-x', 7, { attributes: 0x2000 | 0x20 }),
];

function expected(infoClass: number, e: Entry): SmbFileInfo {
  const hasId =
    infoClass === FileInfoClass.FileIdBothDirectoryInformation ||
    infoClass === FileInfoClass.FileIdFullDirectoryInformation;
  const hasEa = infoClass !== FileInfoClass.FileDirectoryInformation;
  return {
    name: e.name,
    creationTime: e.creationTime,
    lastAccessTime: e.lastAccessTime,
    lastWriteTime: e.lastWriteTime,
    changeTime: e.changeTime,
    endOfFile: e.endOfFile,
    allocationSize: e.allocationSize,
    attributes: e.attributes,
    fileId: hasId ? e.fileId : null,
    reparseTag: hasEa && e.attributes & FileAttribute.REPARSE_POINT ? e.eaSize : null,
  };
}

describe('parseDirectoryEntries', () => {
  for (const infoClass of DIRECTORY_CLASSES) {
    describe(CLASS_NAME[infoClass]!, () => {
      it('walks every entry to the one whose NextEntryOffset is 0', () => {
        const buffer = buildDirectory(infoClass, LISTING);
        const parsed = parseDirectoryEntries(buffer, infoClass);
        expect(parsed).toEqual(LISTING.map((e) => expected(infoClass, e)));
        expect(parsed.map((p) => p.name)).toContain('😀 party 🎉.bin');
        expect(parsed[5]!.name).toHaveLength(2);
      });

      it('parses a single entry and an entry followed by a gap (8-aligned) before the next', () => {
        const one = buildDirectory(infoClass, [LISTING[2]!]);
        expect(parseDirectoryEntries(one, infoClass)).toEqual([expected(infoClass, LISTING[2]!)]);
        const first = buildEntry(infoClass, LISTING[3]!);
        const gap = Buffer.alloc(((first.length + 7) & ~7) + 24, 0xee);
        first.copy(gap);
        gap.writeUInt32LE(gap.length, 0);
        const buffer = Buffer.concat([gap, buildEntry(infoClass, LISTING[4]!)]);
        expect(parseDirectoryEntries(buffer, infoClass).map((p) => p.name)).toEqual([
          LISTING[3]!.name,
          LISTING[4]!.name,
        ]);
      });

      it('reads the reparse tag only for reparse points, and the file id where the class has one', () => {
        const [link] = parseDirectoryEntries(buildDirectory(infoClass, [LISTING[6]!]), infoClass);
        const [plain] = parseDirectoryEntries(buildDirectory(infoClass, [LISTING[4]!]), infoClass);
        const hasEa = infoClass !== FileInfoClass.FileDirectoryInformation;
        expect(link!.reparseTag).toBe(hasEa ? SYMLINK_TAG : null);
        expect(plain!.reparseTag).toBeNull();
        const hasId =
          infoClass === FileInfoClass.FileIdBothDirectoryInformation ||
          infoClass === FileInfoClass.FileIdFullDirectoryInformation;
        expect(link!.fileId).toBe(hasId ? 0xfedcba9876543216n : null);
      });

      it('rejects hostile buffers with Smb2FormatError', () => {
        const good = buildDirectory(infoClass, LISTING.slice(0, 3));
        const first = (NAME_OFFSET[infoClass]! + 2 + 7) & ~7; // '.', padded to 8
        const cases: Record<string, Buffer> = {};
        const mutate = (label: string, edit: (b: Buffer) => void) => {
          const b = Buffer.from(good);
          edit(b);
          cases[label] = b;
        };
        mutate('NextEntryOffset past the end', (b) => b.writeUInt32LE(0x10000, 0));
        mutate('NextEntryOffset = end exactly', (b) => b.writeUInt32LE(b.length, 0));
        mutate('NextEntryOffset -8 (as signed)', (b) => b.writeUInt32LE(0xfffffff8, 0));
        mutate('NextEntryOffset back into its own entry', (b) => b.writeUInt32LE(8, 0));
        mutate('second entry pointing back at the first', (b) =>
          b.writeUInt32LE(0x100000000 - first, first),
        );
        mutate('NextEntryOffset not 8-aligned', (b) => b.writeUInt32LE(first + 2, 0));
        mutate('FileNameLength past the end', (b) => b.writeUInt32LE(0x7ffffffe, 60));
        mutate('FileNameLength huge', (b) => b.writeUInt32LE(0xfffffffe, 60));
        mutate('FileNameLength odd', (b) => b.writeUInt32LE(3, 60));
        cases['truncated fixed part'] = good.subarray(0, NAME_OFFSET[infoClass]! - 1);
        cases['first entry only 8 bytes'] = good.subarray(0, 8);
        cases['last entry truncated in its name'] = good.subarray(0, good.length - 1);
        cases['next entry truncated in its fixed part'] = good.subarray(0, first + 20);
        for (const [label, buffer] of Object.entries(cases)) {
          expect(() => parseDirectoryEntries(buffer, infoClass), label).toThrow(Smb2FormatError);
        }
        expect(parseDirectoryEntries(good, infoClass)).toHaveLength(3);
      });

      it('rejects entries that are whole but packed off the 8-byte grid', () => {
        // 'abc' makes every class's entry a length that is not a multiple of 8.
        const a = buildEntry(infoClass, entry('abc', 1));
        const b = buildEntry(infoClass, entry('def', 2));
        expect(a.length % 8).not.toBe(0);
        a.writeUInt32LE(a.length, 0);
        const packed = Buffer.concat([a, b]);
        expect(() => parseDirectoryEntries(packed, infoClass)).toThrow(Smb2FormatError);
      });

      it('rejects an entry whose NextEntryOffset lands inside its own name', () => {
        // A's name covers a complete entry B; A's NextEntryOffset points at B.
        const nameOffset = NAME_OFFSET[infoClass]!;
        const at = (nameOffset + 7) & ~7;
        const b = buildEntry(infoClass, LISTING[2]!);
        const a = buildEntry(infoClass, entry('x'.repeat((at - nameOffset + b.length) / 2), 1));
        b.copy(a, at);
        a.writeUInt32LE(at, 0);
        expect(() => parseDirectoryEntries(a, infoClass)).toThrow(Smb2FormatError);
        a.writeUInt32LE(0, 0); // and the same bytes, unchained, are one good entry
        expect(parseDirectoryEntries(a, infoClass)).toHaveLength(1);
      });
    });
  }

  it('stops at a NextEntryOffset of 0 even when bytes follow (no loop, no re-read)', () => {
    const infoClass = FileInfoClass.FileIdBothDirectoryInformation;
    const buffer = buildDirectory(infoClass, LISTING);
    buffer.writeUInt32LE(0, 0);
    expect(parseDirectoryEntries(buffer, infoClass).map((p) => p.name)).toEqual(['.']);
  });

  it('returns nothing for an empty buffer, and rejects classes that are not directory listings', () => {
    expect(parseDirectoryEntries(Buffer.alloc(0), FileInfoClass.FileDirectoryInformation)).toEqual(
      [],
    );
    expect(() =>
      parseDirectoryEntries(Buffer.alloc(200), FileInfoClass.FileAllInformation),
    ).toThrow(RangeError);
  });

  it('never hangs and throws nothing but Smb2FormatError on randomly corrupted listings', () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    for (const infoClass of DIRECTORY_CLASSES) {
      const good = buildDirectory(infoClass, LISTING);
      for (let round = 0; round < 400; round++) {
        const b = Buffer.from(good.subarray(0, Math.floor(random() * (good.length + 1))));
        for (let k = 0; k < 4 && b.length > 0; k++) {
          const at = Math.floor(random() * b.length) & ~3;
          if (at + 4 <= b.length) b.writeUInt32LE(Math.floor(random() * 0x100000000), at);
          // Aim some corruption at the chain itself.
          if (random() < 0.5 && b.length >= 4) b.writeUInt32LE(Math.floor(random() * 64) * 8, 0);
        }
        try {
          const parsed = parseDirectoryEntries(b, infoClass);
          expect(parsed.length).toBeLessThanOrEqual(Math.ceil(b.length / 64));
        } catch (error) {
          expect(error).toBeInstanceOf(Smb2FormatError);
        }
      }
    }
  });
});

// ---------------------------------------------------------------- QUERY_INFO replies

describe('parseNetworkOpenInformation', () => {
  // MS-FSCC FileNetworkOpenInformation: four times, AllocationSize, EndOfFile, FileAttributes,
  // Reserved (4) = 56 bytes. AllocationSize comes before EndOfFile here.
  function build(): Buffer {
    const b = Buffer.alloc(56, 0xaa);
    b.writeBigUInt64LE(133486778456781234n, 0);
    b.writeBigUInt64LE(133486778456781235n, 8);
    b.writeBigUInt64LE(133486778456781236n, 16);
    b.writeBigUInt64LE(133486778456781237n, 24);
    b.writeBigUInt64LE(0x1000n, 32);
    b.writeBigUInt64LE(0x0fffn, 40);
    b.writeUInt32LE(FileAttribute.ARCHIVE | FileAttribute.SPARSE_FILE, 48);
    return b;
  }

  it('reads times, sizes and attributes', () => {
    const expectedInfo: SmbFileInfo = {
      name: '',
      creationTime: 133486778456781234n,
      lastAccessTime: 133486778456781235n,
      lastWriteTime: 133486778456781236n,
      changeTime: 133486778456781237n,
      allocationSize: 0x1000n,
      endOfFile: 0x0fffn,
      attributes: 0x220,
      fileId: null,
      reparseTag: null,
    };
    expect(parseNetworkOpenInformation(build())).toEqual(expectedInfo);
    expect(parseNetworkOpenInformation(Buffer.concat([build(), Buffer.alloc(8, 1)]))).toEqual(
      expectedInfo,
    );
  });

  it('throws Smb2FormatError when short', () => {
    expect(() => parseNetworkOpenInformation(build().subarray(0, 55))).toThrow(Smb2FormatError);
    expect(() => parseNetworkOpenInformation(Buffer.alloc(0))).toThrow(Smb2FormatError);
  });
});

describe('parseAllInformation', () => {
  const NAME = '\\dir\\fïle 😀.txt';
  // MS-FSCC 2.4.2, field by field.
  function build(name = NAME): Buffer {
    const nameBytes = Buffer.from(name, 'utf16le');
    const b = Buffer.alloc(100 + nameBytes.length, 0xaa);
    // BasicInformation (40)
    b.writeBigUInt64LE(132000000000000001n, 0); // CreationTime
    b.writeBigUInt64LE(132000000000000002n, 8); // LastAccessTime
    b.writeBigUInt64LE(132000000000000003n, 16); // LastWriteTime
    b.writeBigUInt64LE(132000000000000004n, 24); // ChangeTime
    b.writeUInt32LE(FileAttribute.DIRECTORY | FileAttribute.HIDDEN, 32); // FileAttributes
    b.writeUInt32LE(0, 36); // Reserved
    // StandardInformation (24)
    b.writeBigUInt64LE(0x300000000n, 40); // AllocationSize
    b.writeBigUInt64LE(0x2fffffff1n, 48); // EndOfFile
    b.writeUInt32LE(3, 56); // NumberOfLinks
    b.writeUInt8(0, 60); // DeletePending
    b.writeUInt8(1, 61); // Directory
    b.writeUInt16LE(0, 62); // Reserved
    // InternalInformation (8)
    b.writeBigUInt64LE(0x8000000000000abcn, 64); // IndexNumber
    b.writeUInt32LE(0x44, 72); // EaInformation.EaSize
    b.writeUInt32LE(0x001f01ff, 76); // AccessInformation.AccessFlags
    b.writeBigUInt64LE(0x1234n, 80); // PositionInformation.CurrentByteOffset
    b.writeUInt32LE(0x20, 88); // ModeInformation.Mode
    b.writeUInt32LE(1, 92); // AlignmentInformation.AlignmentRequirement
    // NameInformation
    b.writeUInt32LE(nameBytes.length, 96);
    nameBytes.copy(b, 100);
    return b;
  }

  it('reads times, sizes, attributes, the file id and the name', () => {
    expect(parseAllInformation(build())).toEqual({
      name: NAME,
      creationTime: 132000000000000001n,
      lastAccessTime: 132000000000000002n,
      lastWriteTime: 132000000000000003n,
      changeTime: 132000000000000004n,
      allocationSize: 0x300000000n,
      endOfFile: 0x2fffffff1n,
      attributes: 0x12,
      fileId: 0x8000000000000abcn,
      reparseTag: null,
    } satisfies SmbFileInfo);
    expect(parseAllInformation(build('')).name).toBe('');
  });

  it('throws Smb2FormatError for a short buffer or a name that runs past it', () => {
    const full = build();
    expect(() => parseAllInformation(full.subarray(0, 99))).toThrow(Smb2FormatError);
    expect(() => parseAllInformation(full.subarray(0, full.length - 2))).toThrow(Smb2FormatError);
    const odd = Buffer.from(full);
    odd.writeUInt32LE(3, 96);
    expect(() => parseAllInformation(odd)).toThrow(Smb2FormatError);
    const huge = Buffer.from(full);
    huge.writeUInt32LE(0xfffffffe, 96);
    expect(() => parseAllInformation(huge)).toThrow(Smb2FormatError);
  });
});

// ---------------------------------------------------------------- SET_INFO encoders

describe('encodeBasicInformation', () => {
  it('writes the four times, the attributes and a zero Reserved in 40 bytes', () => {
    const b = encodeBasicInformation({
      creationTime: 0x0102030405060708n,
      lastAccessTime: 0x1112131415161718n,
      lastWriteTime: 0x2122232425262728n,
      changeTime: 0x3132333435363738n,
      attributes: 0x80a1b2c3,
    });
    expect(b.toString('hex')).toBe(
      '0807060504030201' +
        '1817161514131211' +
        '2827262524232221' +
        '3837363534333231' +
        'c3b2a180' +
        '00000000',
    );
  });

  it('leaves what is not given as 0 (unchanged), and writes -1n as all ones', () => {
    expect(encodeBasicInformation({})).toEqual(Buffer.alloc(40));
    const b = encodeBasicInformation({ lastWriteTime: 133486778456781234n, changeTime: -1n });
    const want = Buffer.alloc(40);
    want.writeBigUInt64LE(133486778456781234n, 16);
    want.fill(0xff, 24, 32);
    expect(b).toEqual(want);
  });
});

describe('encodeRenameInformation', () => {
  function want(replace: number, name: string, padTo = 0): Buffer {
    const nameBytes = Buffer.from(name, 'utf16le');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(nameBytes.length);
    const b = Buffer.concat([
      Buffer.from([replace]),
      Buffer.alloc(7),
      Buffer.alloc(8),
      length,
      nameBytes,
    ]);
    return b.length < padTo ? Buffer.concat([b, Buffer.alloc(padTo - b.length)]) : b;
  }

  it('writes ReplaceIfExists, Reserved, RootDirectory 0, FileNameLength and the UTF-16LE path', () => {
    const b = encodeRenameInformation('dir\\sub\\new name.txt', true);
    expect(b).toEqual(want(1, 'dir\\sub\\new name.txt'));
    expect(b.length).toBe(20 + 40);
    expect(b[0]).toBe(1);
    expect(b.subarray(1, 20)).toEqual(Buffer.from('00'.repeat(15) + '28000000', 'hex'));
    expect(b.subarray(20).toString('utf16le')).toBe('dir\\sub\\new name.txt');
    expect(encodeRenameInformation('x\\😀.bin', false)).toEqual(want(0, 'x\\😀.bin'));
    expect(encodeRenameInformation('x\\😀.bin', false).readUInt32LE(16)).toBe(16);
  });

  it('pads to the 24-byte minimum', () => {
    const b = encodeRenameInformation('a', false);
    expect(b.toString('hex')).toBe('00'.repeat(16) + '02000000' + '6100' + '0000');
    expect(encodeRenameInformation('ab', true).length).toBe(24);
    expect(encodeRenameInformation('abc', true).length).toBe(26);
  });

  it('turns slashes into backslashes, drops a leading separator, and refuses an empty name', () => {
    expect(encodeRenameInformation('/dir/new.txt', false)).toEqual(want(0, 'dir\\new.txt'));
    expect(encodeRenameInformation('\\dir\\new.txt', false)).toEqual(want(0, 'dir\\new.txt'));
    expect(() => encodeRenameInformation('', false)).toThrow(RangeError);
    expect(() => encodeRenameInformation('\\', false)).toThrow(RangeError);
  });
});

describe('encodeDispositionInformation and encodeEndOfFileInformation', () => {
  it('writes DeletePending as one byte', () => {
    expect(encodeDispositionInformation(true)).toEqual(Buffer.from([1]));
    expect(encodeDispositionInformation(false)).toEqual(Buffer.from([0]));
  });

  it('writes EndOfFile as 8 little-endian bytes within the signed 64-bit range', () => {
    expect(encodeEndOfFileInformation(0x0102030405060708n).toString('hex')).toBe(
      '0807060504030201',
    );
    expect(encodeEndOfFileInformation(0n)).toEqual(Buffer.alloc(8));
    expect(encodeEndOfFileInformation(INT64_MAX).toString('hex')).toBe('ffffffffffffff7f');
    expect(() => encodeEndOfFileInformation(-1n)).toThrow(RangeError);
    expect(() => encodeEndOfFileInformation(INT64_MAX + 1n)).toThrow(RangeError);
  });
});
