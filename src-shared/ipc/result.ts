import type { ErrorInfo } from '../errors';

/**
 * What every request answers. Thrown errors lose their fields when they cross Electron IPC, so
 * handlers never throw across the boundary: they answer a Result.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: ErrorInfo): Result<T> {
  return { ok: false, error };
}
