import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../src-shared/errors';
import { cancelledError, isAbortError, throwIfAborted } from '../abort';
import type {
  EntryInfo,
  HashAlgorithm,
  ListOptions,
  Location,
  LocationCapabilities,
  MetadataUpdate,
  ReadOptions,
  WriteOptions,
} from '../location';
import { checkReadRange, clampReadRange } from '../read-range';
import { assertSafeRelativePath, joinRelative, parentOfRelative } from '../relative-path';
import { isTemporaryName } from '../temp-names';
import {
  applyNodeMetadata,
  fileNode,
  memoryStore,
  newNode,
  type MemoryFault,
  type MemoryFaultOp,
  type MemoryNode,
  type MemoryStore,
} from './memory-store';

export {
  memoryStore,
  resetMemoryStores,
  MemoryStore,
  type MemoryFault,
  type MemoryFaultOp,
} from './memory-store';

/** Chunks a read is cut into, so consumers see a stream, as from a disk or a socket. */
const READ_CHUNK = 64 * 1024;
/** How many symlinks a read follows before giving up (Linux's limit). */
const MAX_SYMLINK_HOPS = 40;

/**
 * A process-local location on an in-memory tree shared by name (`memoryStore(name)`), with the
 * same semantics as a local folder, for engine tests. Writes are atomic: the bytes are buffered
 * and the file appears under its name only once all of them arrived.
 */
export class MemoryLocation implements Location {
  readonly kind = 'memory' as const;
  readonly description: string;
  readonly capabilities: LocationCapabilities = {
    mtimePrecisionMs: 1,
    caseSensitive: true,
    emptyDirectories: true,
    symlinks: true,
    posixMetadata: true,
    storedHashes: ['sha256'],
    // The tree is module state of one thread; a worker would see an empty one.
    shareableAcrossThreads: false,
    usefulConcurrency: Infinity,
    usefulThreads: Infinity,
    objectTags: false,
    snapshotReads: false,
  };
  readonly name: string;

  constructor(name: string) {
    this.name = name;
    this.description = `memory location "${name}"`;
  }

  /** Looked up on every call, so resetMemoryStores() between tests applies to live locations. */
  private get store(): MemoryStore {
    return memoryStore(this.name);
  }

  /** Always reachable. Throws: cancelled. */
  async connect(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, this.description);
  }

  async close(): Promise<void> {}

  /** Throws: invalid-name, cancelled, not-found, not-dir, or an injected 'stat' fault. */
  async stat(path: string, signal: AbortSignal): Promise<EntryInfo> {
    this.begin(path, signal);
    this.injected('stat', path);
    return infoOf(path, this.lookup(path));
  }

  /** Throws: invalid-name, cancelled, not-found, not-dir, or an injected 'list' fault. */
  async list(path: string, signal: AbortSignal, options?: ListOptions): Promise<EntryInfo[]> {
    this.begin(path, signal);
    this.injected('list', path);
    const node = this.lookup(path);
    if (node.type !== 'dir') throw this.error('not-dir', 'Not a folder', path);
    const entries: EntryInfo[] = [];
    for (const name of this.store.childNames(path)) {
      if (isTemporaryName(name)) {
        if (this.store.get(joinRelative(path, name))?.type !== 'dir') options?.onTemporary?.(name);
        continue;
      }
      const childPath = joinRelative(path, name);
      const child = this.store.get(childPath);
      if (child) entries.push(infoOf(childPath, child));
    }
    return entries;
  }

  /**
   * The bytes, whole or a range (see read-range.ts: inclusive, end clamped, start past the end
   * gives nothing). Symlinks are followed. An injected fault with afterBytes fails the stream.
   * Throws: invalid-name, invalid-input, cancelled, not-found, is-dir, or an injected 'read' fault.
   */
  async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    this.begin(path, signal);
    checkReadRange(options, this.display(path));
    const fault = this.injected('read', path, true);
    const node = this.follow(path);
    if (node.type === 'dir') throw this.error('is-dir', 'Is a folder', path);
    const [first, last] = clampReadRange(options, node.bytes.length);
    const bytes = node.bytes.subarray(first, Math.max(first, last + 1));
    const what = this.display(path);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < bytes.length; offset += READ_CHUNK) {
        if (signal.aborted) throw cancelledError(what);
        const chunk = bytes.subarray(offset, offset + READ_CHUNK);
        if (fault?.afterBytes !== undefined && offset + chunk.length > fault.afterBytes) {
          const head = chunk.subarray(0, Math.max(0, fault.afterBytes - offset));
          if (head.length > 0) yield head;
          throw fault.error;
        }
        yield chunk;
      }
      if (fault?.afterBytes !== undefined) throw fault.error; // a range shorter than afterBytes
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /**
   * Buffers `data`, then installs the file under `path` with `metadata` and its sha256. On any
   * failure or abort nothing changes. Returns the bytes written.
   * Throws: invalid-name, cancelled, not-found / not-dir (parent), is-dir, the source's AppError,
   * or an injected 'write' fault.
   */
  async write(
    path: string,
    data: Readable,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      this.begin(path, signal);
      const fault = this.injected('write', path, true);
      this.checkWritable(path);
      await pipeline(
        data,
        async (source: AsyncIterable<Buffer | string>) => {
          for await (const chunk of source) {
            const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            chunks.push(buffer);
            total += buffer.length;
            if (fault?.afterBytes !== undefined && total >= fault.afterBytes) throw fault.error;
          }
          if (fault?.afterBytes !== undefined) throw fault.error;
        },
        { signal },
      );
      throwIfAborted(signal, this.display(path));
      this.checkWritable(path); // the folder may have gone while the bytes came
    } catch (error) {
      data.destroy();
      if (isAbortError(error) || signal.aborted) throw cancelledError(this.display(path));
      if (error instanceof AppError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('unknown', `Write failed: ${this.display(path)}: ${message}`);
    }
    this.store.set(path, fileNode(Buffer.concat(chunks, total), options.metadata ?? {}));
    return total;
  }

  /** Creates the folder and missing parents; idempotent. Throws: invalid-name, cancelled, not-dir. */
  async mkdir(path: string, signal: AbortSignal): Promise<void> {
    this.begin(path, signal);
    let current = '';
    for (const segment of path === '' ? [] : path.split('/')) {
      current = joinRelative(current, segment);
      const node = this.store.get(current);
      if (!node) this.store.set(current, newNode('dir', Date.now()));
      else if (node.type !== 'dir') {
        throw this.error('not-dir', 'Not a folder', current, ' (a file is in the way)');
      }
    }
  }

  /** Removes a file or symlink. Throws: invalid-name, cancelled, not-found, not-dir, is-dir. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    this.begin(path, signal);
    const node = this.lookup(path);
    if (node.type === 'dir') throw this.error('is-dir', 'Is a folder', path);
    this.store.delete(path);
  }

  /**
   * Removes an empty folder; leftover temporaries do not count (list() hides them), as on disk.
   * Throws: invalid-name, invalid-input (root), not-found, not-dir, dir-not-empty.
   */
  async rmdir(path: string, signal: AbortSignal): Promise<void> {
    this.begin(path, signal);
    if (path === '') {
      throw new AppError('invalid-input', `Cannot remove the location's root: ${this.display('')}`);
    }
    const node = this.lookup(path);
    if (node.type !== 'dir') throw this.error('not-dir', 'Not a folder', path);
    const names = this.store.childNames(path);
    if (!names.every(isTemporaryName)) throw this.error('dir-not-empty', 'Folder not empty', path);
    for (const name of names) this.store.delete(joinRelative(path, name));
    this.store.delete(path);
  }

  /** Drops the temporaries of interrupted writes in one folder. Throws: not-found, not-dir. */
  async removeTemporaries(path: string, signal: AbortSignal): Promise<number> {
    this.begin(path, signal);
    const node = this.lookup(path);
    if (node.type !== 'dir') throw this.error('not-dir', 'Not a folder', path);
    const names = this.store.childNames(path).filter(isTemporaryName);
    for (const name of names) this.store.delete(joinRelative(path, name));
    return names.length;
  }

  /** Throws: invalid-name, cancelled, not-found, not-dir. */
  async setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    this.begin(path, signal);
    applyNodeMetadata(this.lookup(path), metadata);
  }

  /** The sha256 kept at write; null for other algorithms and non-files. Throws: not-found. */
  async storedHash(
    path: string,
    algorithm: HashAlgorithm,
    signal: AbortSignal,
  ): Promise<string | null> {
    this.begin(path, signal);
    const node = this.lookup(path);
    return algorithm === 'sha256' && node.type === 'file' ? (node.sha256 ?? null) : null;
  }

  /** Throws: invalid-name, cancelled, already-exists, not-found / not-dir (parent). */
  async symlink(path: string, target: string, signal: AbortSignal): Promise<void> {
    this.begin(path, signal);
    if (target === '' || target.includes('\0')) {
      throw this.error('invalid-name', 'Invalid symlink target for', path);
    }
    if (this.store.get(path)) throw this.error('already-exists', 'Already exists', path);
    this.requireFolder(parentOfRelative(path));
    const node = newNode('symlink', Date.now());
    node.linkTarget = target;
    this.store.set(path, node);
  }

  private begin(path: string, signal: AbortSignal): void {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.display(path));
  }

  /** Throws an injected fault, or returns a mid-stream one (afterBytes) for the caller to use. */
  private injected(op: MemoryFaultOp, path: string, streams = false): MemoryFault | undefined {
    const fault = this.store.takeFault(op, path);
    if (fault && !(streams && fault.afterBytes !== undefined)) throw fault.error;
    return fault;
  }

  /** The node at `path`. Throws not-found, or not-dir when a parent is a file. */
  private lookup(path: string): MemoryNode {
    const node = this.store.get(path);
    if (node) return node;
    this.requireFolder(parentOfRelative(path));
    throw this.error('not-found', 'Not found', path);
  }

  /** Checks `path` is a folder; throws not-found or not-dir naming the first problem on the way. */
  private requireFolder(path: string): void {
    let current = '';
    for (const segment of path === '' ? [] : path.split('/')) {
      current = joinRelative(current, segment);
      const node = this.store.get(current);
      if (!node) throw this.error('not-found', 'Not found', current);
      if (node.type !== 'dir') throw this.error('not-dir', 'Not a folder', current);
    }
  }

  private checkWritable(path: string): void {
    if (path === '' || this.store.get(path)?.type === 'dir') {
      throw this.error('is-dir', 'Is a folder', path);
    }
    this.requireFolder(parentOfRelative(path));
  }

  /** Follows symlinks whose targets stay inside the tree. Throws not-found for any other. */
  private follow(path: string): MemoryNode {
    let current = path;
    for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
      const node = this.lookup(current);
      if (node.type !== 'symlink') return node;
      const target = node.linkTarget ?? '';
      const joined = posix.normalize(posix.join(parentOfRelative(current), target));
      if (target.startsWith('/') || joined === '..' || joined.startsWith('../')) {
        throw this.error('not-found', 'Symlink target outside the location', path);
      }
      current = joined === '.' ? '' : joined;
    }
    throw this.error('not-found', 'Too many symlinks', path);
  }

  private display(path: string): string {
    return `memory://${this.name}/${path}`;
  }

  private error(code: AppError['code'], what: string, path: string, more = ''): AppError {
    const shown = this.display(path);
    return new AppError(code, `${what}: ${shown}${more}`, { path: shown });
  }
}

function infoOf(path: string, node: MemoryNode): EntryInfo {
  const info: EntryInfo = {
    path,
    type: node.type,
    size: node.type === 'file' ? node.bytes.length : 0,
    mtimeMs: node.mtimeMs,
    atimeMs: node.atimeMs,
    mode: node.mode,
    uid: node.uid,
    gid: node.gid,
  };
  if (node.linkTarget !== undefined) info.linkTarget = node.linkTarget;
  return info;
}
