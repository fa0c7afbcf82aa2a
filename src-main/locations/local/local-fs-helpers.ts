import { chmodSync, chownSync, lchownSync, lutimesSync, utimesSync, type Stats } from 'node:fs';
import { chmod, chown, lchown, lstat, lutimes, utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { cancelledError, isAbortError } from '../abort';
import type { MetadataUpdate } from '../location';
import { errnoOf, mapFsError } from './map-fs-error';

/* Helpers of LocalLocation, kept apart so the class reads as the Location contract. */

const IS_WINDOWS = process.platform === 'win32';

/**
 * chown, then chmod (chown clears set-id bits), then times (last, since nothing after changes them).
 * Owners are changed only as root or to our own ids; EPERM from chown is ignored, as cp -p does.
 */
export async function applyMetadata(
  abs: string,
  metadata: MetadataUpdate,
  isSymlink: boolean,
  known?: Stats,
): Promise<void> {
  if (!IS_WINDOWS && (metadata.uid !== undefined || metadata.gid !== undefined)) {
    const isRoot = process.getuid?.() === 0;
    const uid = metadata.uid !== undefined && (isRoot || metadata.uid === process.getuid?.());
    const gid = metadata.gid ?? -1; // a member of the group may chown to it: let the OS decide
    try {
      await (isSymlink ? lchown : chown)(abs, uid ? (metadata.uid ?? -1) : -1, gid);
    } catch (error) {
      if (errnoOf(error) !== 'EPERM') throw error;
    }
  }
  if (metadata.mode !== undefined && !isSymlink) await chmod(abs, metadata.mode & 0o7777);
  if (metadata.mtimeMs !== undefined || metadata.atimeMs !== undefined) {
    const current = known ?? (await lstat(abs));
    // Seconds as a double keep about a microsecond at today's dates; a Date would cut to 1 ms.
    const atime = (metadata.atimeMs ?? current.atimeMs) / 1000;
    const mtime = (metadata.mtimeMs ?? current.mtimeMs) / 1000;
    await (isSymlink ? lutimes : utimes)(abs, atime, mtime);
  }
}

/**
 * `applyMetadata` with blocking calls, for a LocalLocation with blocking I/O (worker threads,
 * the CLI), given the entry's lstat: the same calls, without a thread-pool hop for each.
 */
export function applyMetadataSync(
  abs: string,
  metadata: MetadataUpdate,
  isSymlink: boolean,
  known: Stats,
): void {
  if (!IS_WINDOWS && (metadata.uid !== undefined || metadata.gid !== undefined)) {
    const isRoot = process.getuid?.() === 0;
    const uid = metadata.uid !== undefined && (isRoot || metadata.uid === process.getuid?.());
    const gid = metadata.gid ?? -1;
    try {
      (isSymlink ? lchownSync : chownSync)(abs, uid ? (metadata.uid ?? -1) : -1, gid);
    } catch (error) {
      if (errnoOf(error) !== 'EPERM') throw error;
    }
  }
  if (metadata.mode !== undefined && !isSymlink) chmodSync(abs, metadata.mode & 0o7777);
  if (metadata.mtimeMs !== undefined || metadata.atimeMs !== undefined) {
    const atime = (metadata.atimeMs ?? known.atimeMs) / 1000;
    const mtime = (metadata.mtimeMs ?? known.mtimeMs) / 1000;
    (isSymlink ? lutimesSync : utimesSync)(abs, atime, mtime);
  }
}

/**
 * The file's stream with native errors re-thrown as AppErrors naming the file (an abort as
 * cancelled). Destroying the returned stream, even before the first read, closes the file.
 */
export function mappedReadStream(stream: Readable, abs: string): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if (isAbortError(error)) throw cancelledError(abs);
      throw mapFsError(error, abs, 'read file');
    }
  }
  const mapped = Readable.from(chunks(), { objectMode: false });
  // A generator that never started has no finally to run: tie the file's life to the wrapper's.
  mapped.once('close', () => stream.destroy());
  return mapped;
}
