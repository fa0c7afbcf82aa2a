import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { PlanAction, PlanItem } from './plan';

const BATCH = 2000;
/** Plan folders are named after the process that owns them, so leftovers can be told apart. */
const PLAN_DIR = /^dataferry-plan-(\d+)-/;
let stalePlansSwept = false;

/**
 * A fresh temporary folder for a plan, named with this process's id. The first one a process
 * makes also removes the plan folders of processes that no longer exist (a run killed with
 * SIGKILL could not remove its own). Throws what mkdtemp throws.
 */
function planDir(): string {
  if (!stalePlansSwept) {
    stalePlansSwept = true;
    removeStalePlans();
  }
  return mkdtempSync(path.join(os.tmpdir(), `dataferry-plan-${process.pid}-`));
}

function removeStalePlans(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(PLAN_DIR.exec(name)?.[1]);
    if (!pid || pid === process.pid || processExists(pid)) continue;
    rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type StoredPlanItem = PlanItem & { seq: number };

/** Plans of up to this many items stay in memory; a larger one moves to its SQLite file. */
export const PLAN_MEMORY_ITEMS = 50_000;

/** The version of a file a transfer copied, when it is not the one planned (it changed meanwhile). */
export interface CopiedVersion {
  size: number;
  mtimeMs: number;
}

type DoneMark = [hash: string | null, stored: string | null, copied: CopiedVersion | null];

/**
 * The plan of one execution. A small plan (most runs: new and changed items only, unchanged files
 * are not stored) stays in memory; past PLAN_MEMORY_ITEMS it spills to a temporary SQLite file,
 * so that memory does not grow with the number of entries (millions of them are fine). Items keep
 * their tree order (`seq`), which TRANSFERRING follows forwards and the delete step backwards
 * (contents before their folder). A plan written by another thread is always a file.
 */
export class PlanStore {
  private disk: DiskPlan | null;
  /** The items while the plan is in memory (null once on disk). */
  private memory: StoredPlanItem[] | null;
  private readonly doneMemory = new Map<number, DoneMark>();
  private seq = 0;

  private constructor(
    disk: DiskPlan | null,
    private readonly memoryItems = PLAN_MEMORY_ITEMS,
  ) {
    this.disk = disk;
    this.memory = disk ? null : [];
  }

  /**
   * A plan in memory, spilled to a fresh temporary folder past `memoryItems` items;
   * `dispose()` removes it.
   */
  static createTemporary(memoryItems = PLAN_MEMORY_ITEMS): PlanStore {
    return new PlanStore(null, memoryItems);
  }

  /** Whether the plan has moved to its file (tests). */
  get onDisk(): boolean {
    return this.disk !== null;
  }

  /**
   * A new plan in `file`, for another thread to fill (PREPARING in a worker); `close()` it there,
   * then `open` it here. The caller owns the file.
   */
  static createAt(file: string): PlanStore {
    return new PlanStore(new DiskPlan(new DatabaseSync(file), null, true));
  }

  /** A plan another thread wrote to `file`; `dispose()` removes `dir` (its temporary folder). */
  static open(file: string, dir: string): PlanStore {
    const plan = new PlanStore(new DiskPlan(new DatabaseSync(file), dir, false));
    plan.seq = plan.disk?.lastSeq() ?? 0;
    return plan;
  }

  /** A fresh temporary folder and file name for a plan. */
  static temporaryFile(): { dir: string; file: string } {
    const dir = planDir();
    return { dir, file: path.join(dir, 'plan.db') };
  }

  /** Writes what is pending and closes the file, keeping it (a plan made with createAt). */
  close(): void {
    this.disk?.close();
  }

  add(item: PlanItem): void {
    const seq = ++this.seq;
    if (this.memory) {
      this.memory.push({ ...item, seq });
      if (this.memory.length > this.memoryItems) this.spill();
      return;
    }
    this.disk?.add(seq, item);
  }

  flush(): void {
    this.disk?.flush();
  }

  /** Items with one of the actions, in tree order (or reversed), read lazily. */
  *items(
    actions: readonly PlanAction[],
    order: 'forward' | 'backward' = 'forward',
  ): Generator<StoredPlanItem> {
    const memory = this.memory;
    if (!memory) {
      yield* (this.disk as DiskPlan).items(actions, order);
      return;
    }
    const wanted = new Set(actions);
    if (order === 'forward') {
      for (const item of memory) if (wanted.has(item.action)) yield item;
    } else {
      for (let i = memory.length - 1; i >= 0; i--) {
        const item = memory[i] as StoredPlanItem;
        if (wanted.has(item.action)) yield item;
      }
    }
  }

  /**
   * Records that an item was carried out, with the source hash computed on the way and the
   * destination's own checksum of what it stored, when the write answered one, and the size
   * and mtime it copied when the file changed since it was planned (VERIFYING checks and reports
   * that version, not the planned one).
   */
  markDone(
    seq: number,
    sourceHash: string | null,
    storedHash: string | null = null,
    copied: CopiedVersion | null = null,
  ): void {
    if (this.memory) this.doneMemory.set(seq, [sourceHash, storedHash, copied]);
    else this.disk?.markDone(seq, sourceHash, storedHash, copied);
  }

  /** Items carried out, with their source hashes, in tree order (for VERIFYING). */
  *doneItems(
    actions: readonly PlanAction[],
  ): Generator<StoredPlanItem & { sourceHash: string | null; storedHash: string | null }> {
    if (!this.memory) {
      yield* (this.disk as DiskPlan).doneItems(actions);
      return;
    }
    for (const item of this.items(actions)) {
      const done = this.doneMemory.get(item.seq);
      if (done) yield { ...item, ...done[2], sourceHash: done[0], storedHash: done[1] };
    }
  }

  count(actions: readonly PlanAction[]): number {
    if (!this.memory) return (this.disk as DiskPlan).count(actions);
    const wanted = new Set(actions);
    return this.memory.filter((item) => wanted.has(item.action)).length;
  }

  dispose(): void {
    this.disk?.dispose();
    this.memory = null;
    this.doneMemory.clear();
  }

  /** The plan outgrew memory: everything so far goes to a file in a fresh temporary folder. */
  private spill(): void {
    const memory = this.memory as StoredPlanItem[];
    const dir = planDir();
    const disk = new DiskPlan(new DatabaseSync(path.join(dir, 'plan.db')), dir, true);
    for (const { seq, ...item } of memory) disk.add(seq, item);
    for (const [seq, [hash, stored, copied]] of this.doneMemory)
      disk.markDone(seq, hash, stored, copied);
    disk.flush();
    this.disk = disk;
    this.memory = null;
    this.doneMemory.clear();
  }
}

/** The plan in a SQLite file (journal off: it is thrown away with the run), written in batches. */
class DiskPlan {
  private readonly insert: StatementSync;
  private readonly insertDone: StatementSync;
  private pending: [number, PlanItem][] = [];
  private pendingDone: [number, string | null, string | null, string | null][] = [];

  constructor(
    private readonly db: DatabaseSync,
    private readonly dir: string | null,
    create: boolean,
  ) {
    db.exec('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;');
    if (create) {
      db.exec(`CREATE TABLE plan (seq INTEGER PRIMARY KEY, action TEXT NOT NULL, item TEXT NOT NULL);
        CREATE INDEX plan_action ON plan(action, seq);
        CREATE TABLE done (seq INTEGER PRIMARY KEY, hash TEXT, stored TEXT, copied TEXT);`);
    }
    this.insert = db.prepare('INSERT INTO plan (seq, action, item) VALUES (?, ?, ?)');
    this.insertDone = db.prepare(
      'INSERT OR REPLACE INTO done (seq, hash, stored, copied) VALUES (?, ?, ?, ?)',
    );
  }

  lastSeq(): number {
    const row = this.db.prepare('SELECT MAX(seq) AS n FROM plan').get() as { n: number | null };
    return Number(row.n ?? 0);
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  add(seq: number, item: PlanItem): void {
    this.pending.push([seq, item]);
    if (this.pending.length >= BATCH) this.flush();
  }

  markDone(
    seq: number,
    sourceHash: string | null,
    storedHash: string | null,
    copied: CopiedVersion | null,
  ): void {
    this.pendingDone.push([seq, sourceHash, storedHash, copied && JSON.stringify(copied)]);
    if (this.pendingDone.length >= BATCH) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0 && this.pendingDone.length === 0) return;
    this.db.exec('BEGIN');
    try {
      for (const [seq, item] of this.pending) {
        this.insert.run(seq, item.action, JSON.stringify(item));
      }
      for (const [seq, hash, stored, copied] of this.pendingDone)
        this.insertDone.run(seq, hash, stored, copied);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.pending = [];
    this.pendingDone = [];
  }

  *items(actions: readonly PlanAction[], order: 'forward' | 'backward'): Generator<StoredPlanItem> {
    this.flush();
    const marks = actions.map(() => '?').join(',');
    const stmt = this.db.prepare(
      `SELECT seq, item FROM plan WHERE action IN (${marks}) ORDER BY seq ${order === 'forward' ? 'ASC' : 'DESC'}`,
    );
    for (const row of stmt.iterate(...actions)) {
      const { seq, item } = row as { seq: number; item: string };
      yield { ...(JSON.parse(item) as PlanItem), seq: Number(seq) };
    }
  }

  *doneItems(
    actions: readonly PlanAction[],
  ): Generator<StoredPlanItem & { sourceHash: string | null; storedHash: string | null }> {
    this.flush();
    const marks = actions.map(() => '?').join(',');
    const stmt = this.db.prepare(
      `SELECT plan.seq AS seq, plan.item AS item, done.hash AS hash, done.stored AS stored,
       done.copied AS copied FROM plan JOIN done ON done.seq = plan.seq
       WHERE plan.action IN (${marks}) ORDER BY plan.seq`,
    );
    for (const row of stmt.iterate(...actions)) {
      const { seq, item, hash, stored, copied } = row as {
        seq: number;
        item: string;
        hash: string | null;
        stored: string | null;
        copied: string | null;
      };
      yield {
        ...(JSON.parse(item) as PlanItem),
        ...(copied === null ? {} : (JSON.parse(copied) as CopiedVersion)),
        seq: Number(seq),
        sourceHash: hash,
        storedHash: stored,
      };
    }
  }

  count(actions: readonly PlanAction[]): number {
    this.flush();
    const marks = actions.map(() => '?').join(',');
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM plan WHERE action IN (${marks})`)
      .get(...actions);
    return Number((row as { n: number }).n);
  }

  dispose(): void {
    try {
      this.db.close();
    } catch {
      // already closed
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
