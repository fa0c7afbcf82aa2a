import { AppError } from '../../src-shared/errors';
import { isForeignKeyViolation, type Database } from './database';
import { int, intOrNull, paging, text, type Row } from './row';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  seq: number;
  at: number;
  level: LogLevel;
  message: string;
}

/** The messages of each execution (phase changes, retries, errors), oldest first. */
export class ExecutionLogRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends a message. Throws AppError `not-found` when the execution does not exist. */
  append(executionId: string, level: LogLevel, message: string, at: number = this.now()): LogEntry {
    try {
      return this.db.transaction(() => {
        const last = this.db
          .statement('SELECT MAX(seq) AS seq FROM execution_log WHERE execution_id = ?')
          .get(executionId);
        const seq = (last === undefined ? 0 : (intOrNull(last, 'seq') ?? 0)) + 1;
        this.db
          .statement(
            'INSERT INTO execution_log (execution_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)',
          )
          .run(executionId, seq, at, level, message);
        return { seq, at, level, message };
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new AppError('not-found', `No execution with id ${executionId}`, { id: executionId });
      }
      throw error;
    }
  }

  /** One page of an execution's messages, oldest first (limit 1..10,000, default 100). */
  list(executionId: string, options: { limit?: number; offset?: number } = {}): LogEntry[] {
    const [limit, offset] = paging(options);
    return this.db
      .statement(
        'SELECT seq, at, level, message FROM execution_log WHERE execution_id = ? ORDER BY seq LIMIT ? OFFSET ?',
      )
      .all(executionId, limit, offset)
      .map(toEntry);
  }

  /** How many messages an execution has. */
  count(executionId: string): number {
    const row = this.db
      .statement('SELECT COUNT(*) AS n FROM execution_log WHERE execution_id = ?')
      .get(executionId);
    return row === undefined ? 0 : int(row, 'n');
  }
}

function toEntry(row: Row): LogEntry {
  return {
    seq: int(row, 'seq'),
    at: int(row, 'at'),
    level: text(row, 'level') as LogLevel,
    message: text(row, 'message'),
  };
}
