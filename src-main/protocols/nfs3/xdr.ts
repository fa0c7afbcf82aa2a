/*
 * XDR (RFC 4506): the big-endian, 4-byte-aligned encoding of ONC RPC and NFS. Unsigned and
 * signed 32-bit integers are numbers; 64-bit ones (sizes, offsets, cookies, file ids) are BigInt,
 * because they exceed 2^53. Opaque data and strings are padded to a multiple of 4 bytes.
 */

/** Malformed or truncated XDR: the reply cannot be trusted, never a crash or a hang. */
export class XdrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XdrError';
  }
}

const pad = (n: number): number => (4 - (n % 4)) % 4;

/**
 * Builds XDR; grows as needed. Throws RangeError for values out of their type. Large data can
 * be borrowed rather than copied (`opaqueBorrowed`): the result is then several parts, written
 * to the socket one after the other.
 */
export class XdrWriter {
  private buffer: Buffer;
  private length = 0;
  /** Finished parts before `buffer`, when data was borrowed. */
  private readonly parts: Buffer[] = [];

  constructor(initialSize = 256) {
    this.buffer = Buffer.alloc(initialSize);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`Not an unsigned 32-bit integer: ${value}`);
    }
    this.reserve(4);
    this.buffer.writeUInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  int32(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new RangeError(`Not a signed 32-bit integer: ${value}`);
    }
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  uint64(value: bigint): this {
    if (value < 0n || value > 0xffffffffffffffffn) {
      throw new RangeError(`Not an unsigned 64-bit integer: ${value}`);
    }
    this.reserve(8);
    this.buffer.writeBigUInt64BE(value, this.length);
    this.length += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  /** Fixed-length opaque data (the length is not written), padded. */
  fixedOpaque(data: Uint8Array): this {
    this.reserve(data.length + pad(data.length));
    this.buffer.set(data, this.length);
    this.length += data.length;
    this.buffer.fill(0, this.length, this.length + pad(data.length));
    this.length += pad(data.length);
    return this;
  }

  /** Variable-length opaque data: its length, the bytes, padding. */
  opaque(data: Uint8Array): this {
    return this.uint32(data.length).fixedOpaque(data);
  }

  /**
   * Like `opaque`, without copying `data`: it becomes a part of its own, so it must not change
   * until the call is answered (a WRITE's payload).
   */
  opaqueBorrowed(data: Buffer): this {
    this.uint32(data.length);
    this.parts.push(this.buffer.subarray(0, this.length), data);
    this.buffer = Buffer.alloc(64);
    this.length = 0;
    this.reserve(pad(data.length));
    this.length += pad(data.length);
    return this;
  }

  /** The parts to send, in order, and their total length. */
  segments(): { parts: Buffer[]; length: number } {
    const parts = [...this.parts, this.buffer.subarray(0, this.length)].filter((p) => p.length > 0);
    return { parts, length: parts.reduce((sum, p) => sum + p.length, 0) };
  }

  /** A UTF-8 string as variable-length opaque data. */
  string(value: string): this {
    return this.opaque(Buffer.from(value, 'utf8'));
  }

  /** The bytes written so far, in one buffer (a view when nothing was borrowed). */
  bytes(): Buffer {
    if (this.parts.length === 0) return this.buffer.subarray(0, this.length);
    const { parts, length } = this.segments();
    return Buffer.concat(parts, length);
  }
}

/** Reads XDR from a buffer. Every read checks the bounds: truncated input throws XdrError. */
export class XdrReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw new XdrError(
        `Truncated XDR: ${what} needs ${bytes} bytes at offset ${this.offset}, ${this.remaining} left`,
      );
    }
  }

  /** The next uint32 without consuming it (an NFS status, to decide before parsing); -1 at the end. */
  peekUint32(): number {
    return this.remaining >= 4 ? this.buffer.readUInt32BE(this.offset) : -1;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int32(): number {
    this.need(4, 'int32');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint64(): bigint {
    this.need(8, 'uint64');
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A bool must be 0 or 1 (RFC 4506 4.4): anything else is malformed. */
  bool(): boolean {
    const value = this.uint32();
    if (value > 1) throw new XdrError(`Malformed XDR: bool ${value} at offset ${this.offset - 4}`);
    return value === 1;
  }

  /** Fixed-length opaque data (a view into the input, valid as long as it is). */
  fixedOpaque(length: number): Buffer {
    this.need(length + pad(length), `opaque[${length}]`);
    const data = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length + pad(length);
    return data;
  }

  /**
   * Variable-length opaque data, at most `max` bytes (a protocol's limit, such as NFS3_FHSIZE):
   * a longer length is malformed, not a reason to allocate.
   */
  opaque(max = Number.MAX_SAFE_INTEGER): Buffer {
    const length = this.uint32();
    if (length > max) {
      throw new XdrError(`Malformed XDR: opaque of ${length} bytes, at most ${max} allowed`);
    }
    return this.fixedOpaque(length);
  }

  /** A UTF-8 string of at most `max` bytes. */
  string(max?: number): string {
    return this.opaque(max).toString('utf8');
  }
}
