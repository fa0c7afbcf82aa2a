import { createHash } from 'node:crypto';
import type { AppError } from '../../../src-shared/errors';
import type { MetadataUpdate } from '../location';
import { assertSafeRelativePath, parentOfRelative } from '../relative-path';

/*
 * The tree behind MemoryLocation: one per name per thread (module state is per thread), so a test
 * can arrange files through the store and watch an engine copy them through a MemoryLocation.
 */

export type MemoryNodeType = 'file' | 'dir' | 'symlink';

/** One entry of the tree. Buffers are never changed in place: a write installs a new node. */
export interface MemoryNode {
  type: MemoryNodeType;
  /** File contents (empty for folders and symlinks). */
  bytes: Buffer;
  mtimeMs: number;
  atimeMs: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget?: string;
  /** Hex sha256 of `bytes`, computed when the file was stored. */
  sha256?: string;
  /** Child names, for folders. */
  children?: Set<string>;
}

export type MemoryFaultOp = 'read' | 'write' | 'list' | 'stat';

/** A failure to inject into the next matching operation(s), for engine tests. */
export interface MemoryFault {
  op: MemoryFaultOp;
  /** The relative path the operation is called with (exact match). */
  path: string;
  /** What the operation rejects (or its stream fails) with. */
  error: AppError;
  /** How many matching operations fail; default 1. */
  times?: number;
  /**
   * read/write only: fail mid-stream after this many bytes instead of at the call, to exercise
   * half-done transfers (a read stream errors; a write fails after consuming the bytes).
   */
  afterBytes?: number;
}

const DEFAULT_MODE: Record<MemoryNodeType, number> = { file: 0o644, dir: 0o755, symlink: 0o777 };

/** The tree for one name. Low-level: no abort or error semantics, which MemoryLocation adds. */
export class MemoryStore {
  readonly name: string;
  private readonly nodes = new Map<string, MemoryNode>();
  private faults: { fault: MemoryFault; remaining: number }[] = [];

  constructor(name: string) {
    this.name = name;
    this.nodes.set('', newNode('dir', Date.now()));
  }

  /**
   * Makes the next `times` (default 1) operations `op` on exactly `path` fail with `error`.
   * Faults are used up in the order they were added.
   */
  failNext(fault: MemoryFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be at least 1');
    this.faults.push({ fault, remaining: times });
  }

  /** Uses up and returns the first fault matching `op` on `path`, if any. */
  takeFault(op: MemoryFaultOp, path: string): MemoryFault | undefined {
    const index = this.faults.findIndex((f) => f.fault.op === op && f.fault.path === path);
    const found = this.faults[index];
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining === 0) this.faults.splice(index, 1);
    return found.fault;
  }

  get(path: string): MemoryNode | undefined {
    return this.nodes.get(path);
  }

  /** Every path in the tree except the root, sorted: for tests to see exactly what exists. */
  paths(): string[] {
    return [...this.nodes.keys()].filter((p) => p !== '').sort();
  }

  /** The child names of a folder ([] for anything else). */
  childNames(path: string): string[] {
    return [...(this.nodes.get(path)?.children ?? [])];
  }

  /** Installs a node; the parent must be an existing folder (the caller checked). */
  set(path: string, node: MemoryNode, now = Date.now()): void {
    const parentPath = parentOfRelative(path);
    const parent = this.nodes.get(parentPath);
    if (!parent?.children) throw new Error(`memory store: no folder "${parentPath}"`);
    const old = this.nodes.get(path);
    if (old?.children && node.children === undefined) throw new Error('memory store: is a folder');
    if (!old) {
      parent.children.add(baseName(path));
      parent.mtimeMs = now; // a folder's mtime moves when an entry appears, as on disk
    }
    this.nodes.set(path, node);
  }

  /** Removes a node (a folder only when empty; the caller checked). */
  delete(path: string, now = Date.now()): void {
    if (!this.nodes.delete(path)) return;
    const parent = this.nodes.get(parentOfRelative(path));
    parent?.children?.delete(baseName(path));
    if (parent) parent.mtimeMs = now;
  }

  /** Creates a folder and its parents directly, for arranging tests. */
  putDir(path: string): void {
    assertSafeRelativePath(path);
    if (path === '') return;
    let current = '';
    for (const segment of path.split('/')) {
      current = current === '' ? segment : `${current}/${segment}`;
      const node = this.nodes.get(current);
      if (!node) this.set(current, newNode('dir', Date.now()));
      else if (node.type !== 'dir') throw new Error(`memory store: "${current}" is not a folder`);
    }
  }

  /** Stores a file directly (creating parents), bypassing MemoryLocation, for arranging tests. */
  putFile(path: string, bytes: Buffer | string, metadata: MetadataUpdate = {}): void {
    assertSafeRelativePath(path);
    this.putDir(parentOfRelative(path));
    this.set(path, fileNode(Buffer.from(bytes), metadata));
  }

  /** Forgets every node and fault. */
  clear(): void {
    this.nodes.clear();
    this.nodes.set('', newNode('dir', Date.now()));
    this.faults = [];
  }
}

/** A fresh node of a type, with the defaults a new entry gets on a POSIX disk. */
export function newNode(type: MemoryNodeType, now: number): MemoryNode {
  const node: MemoryNode = {
    type,
    bytes: Buffer.alloc(0),
    mtimeMs: now,
    atimeMs: now,
    mode: DEFAULT_MODE[type],
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
  };
  if (type === 'dir') node.children = new Set();
  return node;
}

/** A file node holding `bytes` (kept, not copied), its sha256, and `metadata` applied. */
export function fileNode(bytes: Buffer, metadata: MetadataUpdate, now = Date.now()): MemoryNode {
  const node = newNode('file', now);
  node.bytes = bytes;
  node.sha256 = createHash('sha256').update(bytes).digest('hex');
  applyNodeMetadata(node, metadata);
  return node;
}

/** Applies the fields of a metadata update a node can keep (a symlink keeps no mode). */
export function applyNodeMetadata(node: MemoryNode, metadata: MetadataUpdate): void {
  if (metadata.mtimeMs !== undefined) node.mtimeMs = metadata.mtimeMs;
  if (metadata.atimeMs !== undefined) node.atimeMs = metadata.atimeMs;
  if (metadata.mode !== undefined && node.type !== 'symlink') node.mode = metadata.mode & 0o7777;
  if (metadata.uid !== undefined) node.uid = metadata.uid;
  if (metadata.gid !== undefined) node.gid = metadata.gid;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const stores = new Map<string, MemoryStore>();

/** The tree named `name` in this thread, created empty on first use. */
export function memoryStore(name: string): MemoryStore {
  let store = stores.get(name);
  if (!store) {
    store = new MemoryStore(name);
    stores.set(name, store);
  }
  return store;
}

/** Forgets every memory tree in this thread (between tests). */
export function resetMemoryStores(): void {
  stores.clear();
}
