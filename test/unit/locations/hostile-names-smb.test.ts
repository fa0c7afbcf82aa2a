import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EntryInfo } from '../../../src-main/locations/location';
import { SmbLocation } from '../../../src-main/locations/smb/smb-location';
import { FileAttribute } from '../../../src-main/protocols/smb2/smb2-info';
import { AppError } from '../../../src-shared/errors';

/*
 * What an SMB server's QUERY_DIRECTORY answer can hold that no Windows server would send, fed to
 * the SMB location through a scripted share (the real directory parser, parseDirectoryEntries,
 * reads the bytes): "..", ".", "..\..\evil", "a/b", a NUL, an empty name, a stream name. Each
 * is one refused entry (reported and skipped by the engine, never opened), and the listing goes
 * on. And paths this client refuses before any request: nothing reaches the server.
 */

const FILETIME_2024 = 133_485_408_000_000_000n;

/** One FileIdBothDirectoryInformation entry (MS-FSCC 2.4.17), unpadded, NextEntryOffset 0. */
function idBothEntry(name: string, attributes: number, size: bigint): Buffer {
  const encoded = Buffer.from(name, 'utf16le');
  const b = Buffer.alloc(104 + encoded.length);
  for (const at of [8, 16, 24, 32]) b.writeBigUInt64LE(FILETIME_2024, at);
  b.writeBigUInt64LE(size, 40);
  b.writeBigUInt64LE(size, 48);
  b.writeUInt32LE(attributes, 56);
  b.writeUInt32LE(encoded.length, 60);
  b.writeBigUInt64LE(7n, 96);
  encoded.copy(b, 104);
  return b;
}

/** Entries chained by NextEntryOffset, each but the last padded to 8 bytes. */
function directory(entries: [string, number, bigint][]): Buffer {
  const parts = entries.map(([name, attributes, size], i) => {
    const entry = idBothEntry(name, attributes, size);
    if (i === entries.length - 1) return entry;
    const padded = Buffer.alloc((entry.length + 7) & ~7);
    entry.copy(padded);
    padded.writeUInt32LE(padded.length, 0);
    return padded;
  });
  return Buffer.concat(parts);
}

const FILE = FileAttribute.ARCHIVE;
const DIR = FileAttribute.DIRECTORY;

/** An SmbLocation whose session is a scripted share: it records every path it is asked for. */
function scripted(batches: Buffer[]): { location: SmbLocation; opened: string[] } {
  const opened: string[] = [];
  const share = {
    maxWrite: 1 << 20,
    async create(path: string): Promise<object> {
      opened.push(path);
      return { fileId: Buffer.alloc(16), path };
    },
    async *queryDirectory(): AsyncGenerator<Buffer> {
      yield* batches;
    },
    async close(): Promise<void> {},
  };
  const location = new SmbLocation(
    {
      host: '127.0.0.1',
      port: 445,
      user: 'u',
      password: 'p',
      domain: '',
      share: 'data',
      folder: 'dst',
    } as unknown as ConstructorParameters<typeof SmbLocation>[0],
    'SMB //nas/data/dst',
  );
  const session = { client: { transport: { isClosed: false }, close: async () => {} }, share };
  (location as unknown as { session: Promise<unknown> }).session = Promise.resolve(session);
  return { location, opened };
}

const live = (): AbortSignal => new AbortController().signal;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
}

describe('SMB listings with hostile names', () => {
  it('turns each hostile name into one refused entry and lists the rest', async () => {
    const { location, opened } = scripted([
      directory([
        ['.', DIR, 0n],
        ['..', DIR, 0n],
        ['ok.txt', FILE, 5n],
        ['..\\..\\evil', FILE, 6n],
        ['a/b', FILE, 3n],
        ['nul\0byte', FILE, 4n],
      ]),
      directory([
        ['', FILE, 1n],
        ['a:b', FILE, 2n],
        ['sub', DIR, 0n],
        ['back\\slash-dir', DIR, 0n],
        ['trail.', FILE, 7n],
      ]),
    ]);
    const entries = await location.list('', live());
    const usable = entries.filter((e) => e.problem === undefined);
    expect(usable.map((e) => [e.path, e.type, e.size])).toEqual([
      ['ok.txt', 'file', 5],
      ['sub', 'dir', 0],
    ]);
    const refused = entries.filter((e): e is EntryInfo & { problem: string } => !!e.problem);
    expect(refused.map((e) => [e.path, e.type])).toEqual([
      ['"..\\\\..\\\\evil"', 'other'],
      ['"a\\u002fb"', 'other'],
      ['"nul\\u0000byte"', 'other'],
      ['""', 'other'],
      ['"a:b"', 'other'],
      ['"back\\\\slash-dir"', 'other'],
      ['"trail."', 'other'],
    ]);
    expect(
      refused.map((e) => e.problem.replace(/^SMB name ".*" cannot be transferred: /, '')),
    ).toEqual([
      'it has a "\\" in its name, which SMB reads as a folder separator',
      'it has a "/" in its name, which would name an entry of another folder',
      'it has a NUL byte in its name',
      'it has an empty name',
      'it has a ":" in its name, which SMB reads as a stream name',
      'it has a "\\" in its name, which SMB reads as a folder separator',
      'it has a trailing dot or space, which Windows drops from names',
    ]);
    // One directory opened, nothing else: no refused name was followed.
    expect(opened).toEqual(['dst']);
  });

  it('refuses hostile paths before any request reaches the server', async () => {
    const { location, opened } = scripted([]);
    const hostile = [
      '..\\..\\evil',
      'a:b',
      'dir\\..\\..\\x.txt',
      'ok/..\\up',
      'trail.',
      'con',
      'q?',
    ];
    for (const bad of hostile) {
      const data = Readable.from([Buffer.from('escaped')]);
      const calls: [string, Promise<unknown>][] = [
        ['stat', location.stat(bad, live())],
        ['list', location.list(bad, live())],
        ['read', location.read(bad, {}, live())],
        ['write', location.write(bad, data, {}, live())],
        ['mkdir', location.mkdir(bad, live())],
        ['remove', location.remove(bad, live())],
        ['rmdir', location.rmdir(bad, live())],
        ['setMetadata', location.setMetadata(bad, { mtimeMs: 0 }, live())],
      ];
      for (const [method, call] of calls) {
        expect(`${method}(${JSON.stringify(bad)}): ${await codeOf(call)}`).toBe(
          `${method}(${JSON.stringify(bad)}): invalid-name`,
        );
      }
      expect(data.destroyed).toBe(true);
    }
    expect(opened).toEqual([]);
  });
});
