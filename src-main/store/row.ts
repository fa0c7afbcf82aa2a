import { randomBytes } from 'node:crypto';
import type { SQLOutputValue } from 'node:sqlite';

/** A row as node:sqlite returns it (a null-prototype object). */
export type Row = Record<string, SQLOutputValue>;

/** A DataSync-style id: the prefix, a dash and 17 random hex digits ("loc-0f3a..."). */
export function newId(prefix: 'loc' | 'task' | 'exec'): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

function fail(column: string, expected: string): never {
  // Only a database edited by hand (or a bug) gets here.
  throw new Error(`History database column ${column} is not ${expected}`);
}

export function text(row: Row, column: string): string {
  const value = row[column];
  return typeof value === 'string' ? value : fail(column, 'text');
}

export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined
    ? null
    : typeof value === 'string'
      ? value
      : fail(column, 'text');
}

export function int(row: Row, column: string): number {
  const value = row[column];
  return typeof value === 'number' ? value : fail(column, 'a number');
}

export function intOrNull(row: Row, column: string): number | null {
  const value = row[column];
  return value === null || value === undefined
    ? null
    : typeof value === 'number'
      ? value
      : fail(column, 'a number');
}

/** Parses a JSON column; the type is the writer's promise (the store writes these columns only). */
export function json<T>(row: Row, column: string): T {
  return JSON.parse(text(row, column)) as T;
}

export function jsonOrNull<T>(row: Row, column: string): T | null {
  const value = textOrNull(row, column);
  return value === null ? null : (JSON.parse(value) as T);
}

/** Paging arguments: clamps to sane integers (limit 1..10,000, offset >= 0). */
export function paging(
  options: { limit?: number; offset?: number },
  defaultLimit = 100,
): [number, number] {
  const limit = Math.min(10_000, Math.max(1, Math.trunc(options.limit ?? defaultLimit)));
  const offset = Math.max(0, Math.trunc(options.offset ?? 0));
  return [limit, offset];
}
