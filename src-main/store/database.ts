import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AppError } from '../../src-shared/errors';
import { MIGRATIONS, type Migration } from './migrations';

/** SQLite's extended result codes we react to (https://sqlite.org/rescode.html). */
const SQLITE_CANTOPEN = 14;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

/** The SQLite result code of an error thrown by node:sqlite, or undefined for any other error. */
export function sqliteErrorCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const errcode = (error as { errcode?: unknown }).errcode;
  return typeof errcode === 'number' ? errcode : undefined;
}

/** True for a UNIQUE or PRIMARY KEY constraint failure. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code === SQLITE_CONSTRAINT_UNIQUE || code === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/** True for a FOREIGN KEY constraint failure. */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqliteErrorCode(error) === SQLITE_CONSTRAINT_FOREIGNKEY;
}

/**
 * One connection to the history database: cached prepared statements and transactions.
 * Synchronous, like node:sqlite; one per process is enough (SQLite serialises writers, WAL lets
 * readers in other processes, such as the CLI, read meanwhile).
 */
export class Database {
  readonly file: string;
  readonly connection: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;

  constructor(file: string, connection: DatabaseSync) {
    this.file = file;
    this.connection = connection;
  }

  /**
   * A prepared statement for `sql`, prepared once and reused. Do not use a cached statement for
   * `iterate()` that may be interleaved with another use of the same SQL: use `prepare` instead.
   */
  statement(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.connection.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** A new, uncached prepared statement (for long-lived iterators). */
  prepare(sql: string): StatementSync {
    return this.connection.prepare(sql);
  }

  /** Runs SQL with no parameters and no result (DDL, pragmas). */
  exec(sql: string): void {
    this.connection.exec(sql);
  }

  /**
   * Runs `fn` in a transaction: COMMIT when it returns, ROLLBACK when it throws (the error is
   * rethrown). The outermost level is `BEGIN IMMEDIATE`, so a writer waits for another process's
   * write lock up to busy_timeout instead of failing half way; nested calls use savepoints.
   * `fn` must be synchronous: a returned promise is refused (Error) after rolling back.
   */
  transaction<T>(fn: () => T): T {
    const savepoint = `sp${this.depth}`;
    this.exec(this.depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.depth++;
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise)
        throw new Error('Database.transaction() needs a synchronous function');
    } catch (error) {
      this.depth--;
      if (this.depth === 0) {
        if (this.connection.isTransaction) this.exec('ROLLBACK');
      } else {
        this.exec(`ROLLBACK TO ${savepoint}`);
        this.exec(`RELEASE ${savepoint}`);
      }
      throw error;
    }
    this.depth--;
    try {
      this.exec(this.depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
    } catch (error) {
      if (this.depth === 0 && this.connection.isTransaction) this.exec('ROLLBACK');
      throw error;
    }
    return result;
  }

  /** True while the connection is open. */
  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  /** Closes the connection (idempotent). Statements and iterators of it stop working. */
  close(): void {
    this.statements.clear();
    if (this.connection.isOpen) this.connection.close();
  }
}

export interface OpenDatabaseOptions {
  /** The migrations to apply; the app's own list unless a test says otherwise. */
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the SQLite database at `file` (`':memory:'` for tests), sets WAL,
 * foreign keys and a 5 s busy timeout, and brings the schema up to date.
 *
 * Throws AppError `invalid-config` when the file is not a SQLite database or is damaged (the
 * message names the file), or when its schema is newer than this code knows (the message names
 * both versions); AppError `unavailable` when the file cannot be opened at all (missing folder,
 * no permission). The connection is closed before any of these is thrown.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  let connection: DatabaseSync;
  try {
    connection = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
  } catch (error) {
    throw openError(file, error);
  }
  const db = new Database(file, connection);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA journal_mode = WAL');
    // With WAL, NORMAL never corrupts the database; a power cut may lose the last commits.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    db.close();
    throw openError(file, error);
  }
  return db;
}

function openError(file: string, error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = sqliteErrorCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === SQLITE_NOTADB || code === SQLITE_CORRUPT) {
    return new AppError(
      'invalid-config',
      `The history database ${file} is damaged or is not a DataFerry database (${reason}). ` +
        'Move it aside and DataFerry will start a new one.',
      { file },
    );
  }
  if (code === SQLITE_CANTOPEN) {
    return new AppError('unavailable', `Cannot open the history database ${file} (${reason})`, {
      file,
    });
  }
  return error;
}

/** The highest migration version recorded in the database, 0 for a new one. */
export function schemaVersion(db: Database): number {
  const table = db
    .statement(
      "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .get();
  if (table === undefined) return 0;
  const row = db.statement('SELECT MAX(version) AS version FROM schema_migrations').get();
  const version = row?.version;
  return typeof version === 'number' ? version : 0;
}

/**
 * Applies the migrations the database has not had yet, each in its own transaction, recording
 * each in `schema_migrations`. Safe to run concurrently from two processes (the version is read
 * again inside each write transaction) and idempotent. Returns the versions applied.
 *
 * Throws AppError `invalid-config` when the database's version is newer than the newest
 * migration given (a newer DataFerry wrote it); Error when `migrations` is not numbered 1, 2, 3...
 */
export function migrate(db: Database, migrations: readonly Migration[]): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} should be version ${i + 1}`);
  });
  const known = migrations.length;
  const current = schemaVersion(db);
  if (current > known) throw tooNew(db.file, current, known);
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (' +
      'version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      const now = schemaVersion(db);
      if (now > known) throw tooNew(db.file, now, known);
      if (now >= migration.version) return;
      db.exec(migration.sql);
      db.statement(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      ).run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    });
  }
  return applied;
}

function tooNew(file: string, databaseVersion: number, knownVersion: number): AppError {
  return new AppError(
    'invalid-config',
    `The history database ${file} has schema version ${databaseVersion}, but this version of ` +
      `DataFerry knows versions up to ${knownVersion}: it was written by a newer DataFerry. ` +
      'Update DataFerry to open it.',
    { file, databaseVersion, knownVersion },
  );
}
