import { XdrError } from './xdr';

/*
 * ONC RPC record marking over TCP (RFC 5531, section 11): each record is sent as fragments, each
 * preceded by a 4-byte header whose top bit marks the last fragment and whose low 31 bits give
 * its length. A reply may arrive split across TCP reads, or several in one read.
 */

const LAST_FRAGMENT = 0x80000000;
const MAX_FRAGMENT = 0x7fffffff;

/** One record as a single last fragment. Throws RangeError past 2 GiB. */
export function frameRecord(record: Uint8Array): Buffer {
  if (record.length > MAX_FRAGMENT) throw new RangeError('RPC record too large for one fragment');
  const header = Buffer.alloc(4);
  header.writeUInt32BE((LAST_FRAGMENT | record.length) >>> 0);
  return Buffer.concat([header, record]);
}

/**
 * Reassembles records from TCP data. `push` takes whatever a read returned and hands back the
 * records it completed. A record larger than `maxRecord` (the largest reply we accept: a READ
 * of rtmax bytes and its header) throws XdrError instead of buffering without end.
 */
export class RecordReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private fragments: Buffer[] = [];
  private recordBytes = 0;

  constructor(private readonly maxRecord: number) {}

  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const records: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const header = this.peek(4).readUInt32BE(0);
      const length = header & MAX_FRAGMENT;
      if (this.recordBytes + length > this.maxRecord) {
        throw new XdrError(
          `RPC record of more than ${this.maxRecord} bytes (fragment of ${length}): refused`,
        );
      }
      if (this.buffered < 4 + length) break;
      this.take(4);
      this.fragments.push(this.take(length));
      this.recordBytes += length;
      if ((header & LAST_FRAGMENT) !== 0) {
        records.push(
          this.fragments.length === 1
            ? (this.fragments[0] as Buffer)
            : Buffer.concat(this.fragments, this.recordBytes),
        );
        this.fragments = [];
        this.recordBytes = 0;
      }
    }
    return records;
  }

  /** Bytes received but not yet part of a complete record. */
  get pending(): number {
    return this.buffered + this.recordBytes;
  }

  private peek(bytes: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= bytes) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private take(bytes: number): Buffer {
    const source = this.peek(bytes);
    const taken = source.subarray(0, bytes);
    const rest = source.subarray(bytes);
    if (rest.length > 0) this.chunks[0] = rest;
    else this.chunks.shift();
    this.buffered -= bytes;
    return taken;
  }
}
