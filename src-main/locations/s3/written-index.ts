import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ListedObject } from './s3-listing';
import type { StoredMetadata } from './s3-metadata';

/*
 * What DataFerry knows of objects' user metadata without asking: for each object it wrote (or
 * HEADed), the version (ETag, size, LastModified) and the stored metadata of that version. A
 * listing answers ETag, size and LastModified; when all three match a row, the row's metadata is
 * the object's, and PREPARING needs no HEAD. Anything else (a row missing, another ETag, another
 * LastModified: the object was rewritten, even with the same bytes and other metadata) is asked
 * of the server as before. Losing the file costs HEADs, never correctness.
 *
 * LastModified is the server's clock, unknown when a PUT answers: a row written by DataFerry
 * holds the window the write ran in (our clock, widened by CLOCK_SLACK_MS) until a listing or a
 * HEAD gives the exact time. An object rewritten by someone else inside that window with the
 * same bytes (so the same ETag) and other metadata would be taken for ours: a race of about a
 * second, right after our own write, that only metadata could lose.
 *
 * Holds object keys, ETags, sizes, times and mtime/mode/uid/gid: no secrets (the scope is the
 * endpoint's label and the bucket). Bounded to MAX_ROWS (oldest use first out).
 */

const FILE_NAME = 's3-metadata-index.sqlite';
const MAX_ROWS = 1_000_000;
/** Rows written between checks of the bound. */
const PRUNE_EVERY = 10_000;
const CLOCK_SLACK_MS = 1_000;

interface Statements {
  get: StatementSync;
  put: StatementSync;
  settle: StatementSync;
  count: StatementSync;
  prune: StatementSync;
}

/** One database per path and thread: every location of a thread shares it. */
const open = new Map<string, WrittenIndexDatabase | null>();

class WrittenIndexDatabase {
  private writes = 0;

  constructor(
    private readonly db: DatabaseSync,
    private readonly sql: Statements,
  ) {}

  static open(file: string): WrittenIndexDatabase {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new DatabaseSync(file);
    try {
      // Best effort: a thread that finds the file busy for long goes on without the index
      // rather than hold up a run (every thread of a run opens it at the same moment).
      db.exec('PRAGMA busy_timeout = 250');
      // Switching to WAL takes an exclusive lock: only the thread that creates the file does.
      const { journal_mode: mode } = db.prepare('PRAGMA journal_mode').get() as {
        journal_mode: string;
      };
      if (mode !== 'wal') db.exec('PRAGMA journal_mode = WAL');
      // A lost write costs a HEAD later, nothing more: no fsync per object.
      db.exec('PRAGMA synchronous = OFF');
      db.exec(`CREATE TABLE IF NOT EXISTS objects (
        scope TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, size INTEGER NOT NULL,
        modified_from INTEGER NOT NULL, modified_to INTEGER NOT NULL, metadata TEXT NOT NULL,
        used INTEGER NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID`);
      db.exec('CREATE INDEX IF NOT EXISTS objects_used ON objects (used)');
      fs.chmodSync(file, 0o600);
      return new WrittenIndexDatabase(db, {
        get: db.prepare(
          'SELECT etag, size, modified_from, modified_to, metadata FROM objects WHERE scope = ? AND key = ?',
        ),
        put: db.prepare('INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
        settle: db.prepare(
          'UPDATE objects SET modified_from = ?, modified_to = ?, used = ? WHERE scope = ? AND key = ?',
        ),
        count: db.prepare('SELECT count(*) AS n FROM objects'),
        prune: db.prepare(
          'DELETE FROM objects WHERE used <= (SELECT used FROM objects ORDER BY used DESC LIMIT 1 OFFSET ?)',
        ),
      });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  lookup(scope: string, key: string, listed: ListedObject): StoredMetadata | undefined {
    const row = this.sql.get.get(scope, key) as
      | { etag: string; size: number; modified_from: number; modified_to: number; metadata: string }
      | undefined;
    const modified = listed.lastModifiedMs;
    if (!row || listed.etag === undefined || modified === undefined) return undefined;
    if (row.etag !== listed.etag || row.size !== listed.size) return undefined;
    if (modified < row.modified_from || modified > row.modified_to) return undefined;
    if (row.modified_from !== row.modified_to) {
      // Now the server's own time of this version is known: later rewrites differ from it.
      this.sql.settle.run(modified, modified, Date.now(), scope, key);
    }
    return JSON.parse(row.metadata) as StoredMetadata;
  }

  record(
    scope: string,
    key: string,
    version: { etag: string; size: number; modifiedFrom: number; modifiedTo: number },
    metadata: StoredMetadata,
  ): void {
    this.sql.put.run(
      scope,
      key,
      version.etag,
      version.size,
      version.modifiedFrom,
      version.modifiedTo,
      JSON.stringify(metadata),
      Date.now(),
    );
    if (++this.writes % PRUNE_EVERY === 0) this.prune();
  }

  private prune(): void {
    const { n } = this.sql.count.get() as { n: number };
    if (n > MAX_ROWS) this.sql.prune.run(MAX_ROWS);
  }
}

/**
 * The index of one bucket at one endpoint. Every method is best effort: a file that cannot be
 * opened or written (deleted folder, read-only disk, another thread holding the lock too long)
 * turns the index off for this location, and the objects are asked for as without it.
 * Never throws.
 */
export class WrittenIndex {
  /** Opened on first use: locations that never list or write open nothing. */
  private db: WrittenIndexDatabase | null | undefined;

  private constructor(
    private readonly file: string | null,
    private readonly scope: string,
  ) {
    this.db = file === null ? null : undefined;
  }

  /**
   * The index kept in `dataDir` (null: none, every lookup misses). `scope` names the bucket at
   * its endpoint (never credentials).
   */
  static in(dataDir: string | null | undefined, scope: string): WrittenIndex {
    return new WrittenIndex(dataDir ? path.join(dataDir, FILE_NAME) : null, scope);
  }

  private database(): WrittenIndexDatabase | null {
    if (this.db !== undefined) return this.db;
    const file = this.file as string;
    if (!open.has(file)) {
      let db: WrittenIndexDatabase | null;
      try {
        db = WrittenIndexDatabase.open(file);
      } catch {
        db = null; // no index: objects are asked for
      }
      open.set(file, db);
    }
    this.db = open.get(file) ?? null;
    return this.db;
  }

  /** The stored metadata of exactly this listed version, when the index holds it. */
  lookup(key: string, listed: ListedObject): StoredMetadata | undefined {
    return this.guard(() => this.db?.lookup(this.scope, key, listed));
  }

  /** An object this location wrote between `startedMs` and now, with its metadata. */
  wrote(
    key: string,
    etag: string,
    size: number,
    startedMs: number,
    metadata: StoredMetadata,
  ): void {
    this.guard(() =>
      this.db?.record(
        this.scope,
        key,
        {
          etag,
          size,
          // S3 keeps LastModified to the second, from the start of the write.
          modifiedFrom: Math.floor(startedMs / 1000) * 1000 - CLOCK_SLACK_MS,
          modifiedTo: Date.now() + CLOCK_SLACK_MS,
        },
        metadata,
      ),
    );
  }

  /** An object HEADed: its exact version and the metadata the server answered. */
  saw(key: string, etag: string, size: number, modifiedMs: number, metadata: StoredMetadata): void {
    this.guard(() =>
      this.db?.record(
        this.scope,
        key,
        // A HEAD's Last-Modified is to the second; a listing may say the milliseconds.
        {
          etag,
          size,
          modifiedFrom: Math.floor(modifiedMs / 1000) * 1000,
          modifiedTo: Math.floor(modifiedMs / 1000) * 1000 + 999,
        },
        metadata,
      ),
    );
  }

  private guard<T>(body: () => T): T | undefined {
    if (!this.database()) return undefined;
    try {
      return body();
    } catch {
      this.db = null; // best effort: without the index, objects are asked for
      return undefined;
    }
  }
}
