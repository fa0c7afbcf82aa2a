/**
 * The one list of error codes every layer speaks. Native errors (ENOENT, NoSuchKey,
 * STATUS_OBJECT_NAME_NOT_FOUND, NFS3ERR_NOENT...) are mapped onto these at the edge, so the
 * engine and the UI never special-case a storage kind.
 */
export const ERROR_CODES = [
  'not-found',
  'already-exists',
  'is-dir',
  'not-dir',
  'dir-not-empty',
  'permission-denied',
  'auth-failed',
  'unavailable',
  'timeout',
  'quota-exceeded',
  'no-space',
  'invalid-name',
  'invalid-config',
  'invalid-input',
  'not-supported',
  'cancelled',
  'changed-during-transfer',
  'checksum-mismatch',
  'unknown',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** How the engine should react to an error: try again, give up on this item, or stop the run. */
export type RetryClass = 'retry' | 'no-retry' | 'fatal';

const RETRY_CLASS: Record<ErrorCode, RetryClass> = {
  'not-found': 'no-retry',
  'already-exists': 'no-retry',
  'is-dir': 'no-retry',
  'not-dir': 'no-retry',
  'dir-not-empty': 'no-retry',
  'permission-denied': 'no-retry',
  'auth-failed': 'fatal',
  unavailable: 'retry',
  timeout: 'retry',
  'quota-exceeded': 'fatal',
  'no-space': 'fatal',
  'invalid-name': 'no-retry',
  'invalid-config': 'fatal',
  'invalid-input': 'no-retry',
  'not-supported': 'no-retry',
  cancelled: 'fatal',
  'changed-during-transfer': 'retry',
  'checksum-mismatch': 'retry',
  unknown: 'no-retry',
};

/** The retry class of a code; total over ErrorCode, never throws. */
export function retryClassOf(code: ErrorCode): RetryClass {
  return RETRY_CLASS[code];
}

/** An error as it crosses a process or network boundary: plain data, no stack. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The error every layer throws. `message` is written for the user: it names the cause and the
 * thing it concerns ("Folder not found: /data/x"), never a stack or an errno alone.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toInfo(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
