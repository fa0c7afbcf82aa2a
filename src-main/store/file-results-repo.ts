import { AppError } from '../../src-shared/errors';
import { FILE_ACTIONS, type FileAction, type FileResult } from '../../src-shared/model/execution';
import { isForeignKeyViolation, type Database } from './database';
import { int, intOrNull, paging, text, textOrNull, type Row } from './row';

/** A file result as stored: with its position in the execution's report (1, 2, 3...). */
export interface StoredFileResult extends FileResult {
  seq: number;
}

export interface FileResultQuery {
  action?: FileAction;
  /** Only failed files and files with an error code. */
  onlyErrors?: boolean;
  /** Only paths containing this text (case-sensitive). */
  pathContains?: string;
  /**
   * Only paths containing this text, ignoring case (SQLite LIKE: ASCII letters only). `%`, `_`
   * and `\` are matched literally.
   */
  search?: string;
  /** 1..10,000, default 100. */
  limit?: number;
  offset?: number;
}

const ERROR_CONDITION = "(error_code IS NOT NULL OR action = 'failed')";

/** The per-file task report of each execution, in the order the engine reported the files. */
export class FileResultsRepo {
  constructor(private readonly db: Database) {}

  /**
   * Appends results in one transaction, numbered after those already saved. Throws AppError
   * `not-found` when the execution does not exist (nothing is saved then).
   */
  appendBatch(executionId: string, results: readonly FileResult[]): void {
    if (results.length === 0) return;
    const insert = this.db.statement(
      'INSERT INTO file_results (execution_id, seq, path, action, size, source_checksum, destination_checksum, ' +
        'detail, error_code, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    try {
      this.db.transaction(() => {
        const last = this.db
          .statement('SELECT MAX(seq) AS seq FROM file_results WHERE execution_id = ?')
          .get(executionId);
        let seq = last === undefined ? 0 : (intOrNull(last, 'seq') ?? 0);
        for (const r of results) {
          seq++;
          insert.run(
            executionId,
            seq,
            r.path,
            r.action,
            r.size,
            r.sourceChecksum,
            r.destinationChecksum,
            r.detail,
            r.errorCode,
            r.at,
          );
        }
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new AppError('not-found', `No execution with id ${executionId}`, { id: executionId });
      }
      throw error;
    }
  }

  /** One page of results in report order, filtered as asked. */
  page(executionId: string, query: FileResultQuery = {}): StoredFileResult[] {
    const [limit, offset] = paging(query);
    const [where, params] = filter(executionId, query);
    return this.db
      .statement(`SELECT * FROM file_results WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`)
      .all(...params, limit, offset)
      .map(toResult);
  }

  /** How many results match (all of the execution's, or those with one action). */
  count(executionId: string, action?: FileAction): number {
    return this.countWhere(executionId, action === undefined ? {} : { action });
  }

  /** How many results match a query's filters (its limit and offset are ignored). */
  countWhere(executionId: string, query: FileResultQuery): number {
    const [where, params] = filter(executionId, query);
    const row = this.db
      .statement(`SELECT COUNT(*) AS n FROM file_results WHERE ${where}`)
      .get(...params);
    return row === undefined ? 0 : int(row, 'n');
  }

  /** How many results of each action (zeros included). */
  countByAction(executionId: string): Record<FileAction, number> {
    const counts = Object.fromEntries(FILE_ACTIONS.map((a) => [a, 0])) as Record<
      FileAction,
      number
    >;
    const rows = this.db
      .statement(
        'SELECT action, COUNT(*) AS n FROM file_results WHERE execution_id = ? GROUP BY action',
      )
      .all(executionId);
    for (const row of rows) {
      const action = text(row, 'action') as FileAction;
      if (action in counts) counts[action] = int(row, 'n');
    }
    return counts;
  }

  /**
   * Every result of an execution in report order (or those a query's filters keep: its limit and
   * offset are ignored), read row by row (a million rows are never in memory at once). Each call
   * has its own statement; stop early with `break` or `return()`. Rows appended while iterating
   * may or may not be seen.
   */
  *iterate(
    executionId: string,
    query: FileResultQuery = {},
  ): Generator<StoredFileResult, void, undefined> {
    const [where, params] = filter(executionId, query);
    const stmt = this.db.prepare(`SELECT * FROM file_results WHERE ${where} ORDER BY seq`);
    for (const row of stmt.iterate(...params)) yield toResult(row);
  }
}

function filter(executionId: string, query: FileResultQuery): [string, (string | number)[]] {
  const where = ['execution_id = ?'];
  const params: (string | number)[] = [executionId];
  if (query.action !== undefined) {
    where.push('action = ?');
    params.push(query.action);
  }
  if (query.onlyErrors === true) where.push(ERROR_CONDITION);
  if (query.pathContains !== undefined && query.pathContains !== '') {
    where.push('instr(path, ?) > 0');
    params.push(query.pathContains);
  }
  if (query.search !== undefined && query.search !== '') {
    where.push(`path LIKE ? ESCAPE '${LIKE_ESCAPE}'`);
    params.push(`%${escapeLike(query.search)}%`);
  }
  return [where.join(' AND '), params];
}

const LIKE_ESCAPE = '\\';

/** Makes LIKE's wildcards (and the escape character itself) match only themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `${LIKE_ESCAPE}${c}`);
}

function toResult(row: Row): StoredFileResult {
  return {
    seq: int(row, 'seq'),
    path: text(row, 'path'),
    action: text(row, 'action') as FileAction,
    size: int(row, 'size'),
    sourceChecksum: textOrNull(row, 'source_checksum'),
    destinationChecksum: textOrNull(row, 'destination_checksum'),
    detail: textOrNull(row, 'detail'),
    errorCode: textOrNull(row, 'error_code'),
    at: int(row, 'at'),
  };
}
