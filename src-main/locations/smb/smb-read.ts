import { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import type { OpenFile, Smb2Share } from '../../protocols/smb2/smb2-files';
import { filetimeToMs } from '../../protocols/smb2/smb2-info';
import type { ReadOptions } from '../location';
import { READ_PIECE, inFlight } from './smb-io';

/** The largest piece the stream hands on. */
const SLICE = 1024 * 1024;

type Attributes = Pick<OpenFile, 'endOfFile' | 'lastWriteTime'>;

/**
 * The file is the version the caller planned (ReadOptions.expect: size and mtime), else
 * AppError('changed-during-transfer') saying `when` it changed. Nothing to check without one.
 */
export function assertVersion(
  expect: ReadOptions['expect'],
  attributes: Attributes,
  where: string,
  when: string,
): void {
  if (!expect) return;
  const size = Number(attributes.endOfFile);
  // Both sides of the comparison come from the server's FILETIMEs through the same conversion.
  if (size === expect.size && filetimeToMs(attributes.lastWriteTime) === expect.mtimeMs) return;
  throw new AppError(
    'changed-during-transfer',
    `Source file changed ${when}: ${where} (size ${expect.size} -> ${size})`,
    { path: where },
  );
}

/**
 * The bytes `options.start`..`options.end` of an open file, several READs ahead. The file is
 * closed when the stream ends or is destroyed. The last close asks for the attributes as they
 * are then (no extra round trip), and the stream ends only after `atClose` accepted them: a
 * file written to while it was read fails the stream instead of ending it. When the server's
 * CLOSE answers no attributes, `statAfterClose` gives them. Errors are the client's
 * (Smb2StatusError...), for the caller to map.
 */
export function readBody(
  share: Smb2Share,
  file: OpenFile,
  options: ReadOptions,
  signal: AbortSignal,
  atClose: (attributes: Attributes) => void,
  statAfterClose: () => Promise<Attributes>,
): Readable {
  const size = Number(file.endOfFile);
  const last = Math.min(options.end ?? Number.MAX_SAFE_INTEGER, size - 1);
  // READs of READ_PIECE (or the server's smaller maximum), as many bytes in flight as WRITEs.
  const chunk = Math.min(share.maxRead, READ_PIECE);
  const most = inFlight(chunk);
  let next = options.start ?? 0;
  const pending: Promise<Buffer>[] = [];
  let closed = false;
  const closeFile = (): void => {
    if (closed) return;
    closed = true;
    void share.close(file).catch(() => undefined);
  };
  const finish = (stream: Readable): void => {
    closed = true;
    share
      .closeAndStat(file, signal)
      // A CLOSE that answered no attributes (impacket's): asked after it.
      .then((attributes) => attributes ?? statAfterClose())
      .then(
        (attributes) => {
          try {
            atClose(attributes);
            stream.push(null);
          } catch (error) {
            stream.destroy(error as Error);
          }
        },
        (error: unknown) => stream.destroy(error as Error),
      );
  };
  return new Readable({
    // Little buffered beyond the READs in flight: reading far ahead of a slow reader only
    // holds memory (and bytes of a file that may yet change).
    highWaterMark: SLICE,
    read() {
      while (pending.length < most && next <= last) {
        const count = Math.min(chunk, last - next + 1);
        const piece = share.read(file, BigInt(next), count, signal);
        piece.catch(() => undefined);
        pending.push(piece);
        next += count;
      }
      const piece = pending.shift();
      if (!piece) {
        if (!closed) finish(this);
        return;
      }
      piece.then(
        (data) => {
          // Handed on in slices (views, no copy): a reader sees progress, and can stop, within
          // an 8 MiB READ.
          for (let at = 0; at < data.length; at += SLICE) this.push(data.subarray(at, at + SLICE));
          if (pending.length === 0 && next > last) finish(this);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      closeFile();
      callback(error);
    },
  });
}
