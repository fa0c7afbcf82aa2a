import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from './database';
import { ExecutionLogRepo } from './execution-log-repo';
import { ExecutionsRepo } from './executions-repo';
import { FileResultsRepo } from './file-results-repo';
import { LocationsRepo } from './locations-repo';
import type { SecretBox } from './secret-box';
import { TasksRepo } from './tasks-repo';

export const DATABASE_FILE = 'dataferry.db';

/** Everything DataFerry persists, over one SQLite connection. */
export interface HistoryStore {
  readonly file: string;
  readonly db: Database;
  readonly locations: LocationsRepo;
  readonly tasks: TasksRepo;
  readonly executions: ExecutionsRepo;
  readonly fileResults: FileResultsRepo;
  readonly executionLog: ExecutionLogRepo;
  /** How many executions were marked interrupted on opening (for the app to log). */
  readonly interruptedOnOpen: number;
  /** Closes the database (idempotent); the repositories stop working. */
  close(): void;
}

export interface OpenHistoryStoreOptions {
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Opens `<dataDir>/dataferry.db` (creating the folder, mode 0700, and the database, mode 0600, as
 * needed), brings its schema up to date, and marks executions left unfinished by a stopped
 * process as interrupted.
 *
 * Throws AppError `invalid-config` when the file is damaged or not a database, or was written by a
 * newer DataFerry (messages name the file and versions); `unavailable` when it cannot be opened;
 * the file system's error when the folder cannot be created.
 */
export function openHistoryStore(
  dataDir: string,
  secretBox: SecretBox,
  options: OpenHistoryStoreOptions = {},
): HistoryStore {
  const now = options.now ?? Date.now;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DATABASE_FILE);
  // Created private before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = openDatabase(file);
  try {
    const executions = new ExecutionsRepo(db);
    const interruptedOnOpen = executions.markInterrupted(now());
    return {
      file,
      db,
      locations: new LocationsRepo(db, secretBox, now),
      tasks: new TasksRepo(db, now),
      executions,
      fileResults: new FileResultsRepo(db),
      executionLog: new ExecutionLogRepo(db, now),
      interruptedOnOpen,
      close: () => db.close(),
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
