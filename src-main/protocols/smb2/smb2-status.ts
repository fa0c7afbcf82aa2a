/*
 * NT status codes (MS-ERREF 2.3) an SMB2 server answers, by name: the ones a file client meets.
 * Anything else is shown as its hex value.
 */

export const Status = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  NOTIFY_ENUM_DIR: 0x0000010c,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_FILES: 0x80000006,
  STOPPED_ON_SYMLINK: 0x8000002d,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  INVALID_PARAMETER: 0xc000000d,
  NO_SUCH_FILE: 0xc000000f,
  END_OF_FILE: 0xc0000011,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  SHARING_VIOLATION: 0xc0000043,
  DELETE_PENDING: 0xc0000056,
  INVALID_OWNER: 0xc000005a,
  PRIVILEGE_NOT_HELD: 0xc0000061,
  LOGON_FAILURE: 0xc000006d,
  ACCOUNT_RESTRICTION: 0xc000006e,
  PASSWORD_EXPIRED: 0xc0000071,
  ACCOUNT_DISABLED: 0xc0000072,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  DISK_FULL: 0xc000007f,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_SUPPORTED: 0xc00000bb,
  NETWORK_NAME_DELETED: 0xc00000c9,
  BAD_NETWORK_NAME: 0xc00000cc,
  REQUEST_NOT_ACCEPTED: 0xc00000d0,
  DIRECTORY_NOT_EMPTY: 0xc0000101,
  NOT_A_DIRECTORY: 0xc0000103,
  CANCELLED: 0xc0000120,
  FILE_CLOSED: 0xc0000128,
  USER_SESSION_DELETED: 0xc0000203,
  NETWORK_SESSION_EXPIRED: 0xc000035c,
  QUOTA_EXCEEDED: 0xc0000044,
  ACCOUNT_LOCKED_OUT: 0xc0000234,
  NOT_SAME_DEVICE: 0xc00000d4,
  FILE_RENAMED: 0xc00000d5,
  NAME_TOO_LONG: 0xc0000106,
  CANNOT_DELETE: 0xc0000121,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  IO_TIMEOUT: 0xc00000b5,
  ACCESS_VIOLATION: 0xc0000005,
  INVALID_HANDLE: 0xc0000008,
  STATUS_NETWORK_ACCESS_DENIED: 0xc00000ca,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(Status).map(([name, code]) => [code, `STATUS_${name.replace(/^STATUS_/, '')}`]),
);

/** "STATUS_ACCESS_DENIED", or "0xC0000XYZ" for a code not listed. */
export function statusName(code: number): string {
  return NAMES.get(code) ?? `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Errors (severity 3) and warnings (2) are failures; success and information are not. */
export function isFailure(code: number): boolean {
  return code >>> 30 >= 2;
}

/** The server answered a status that fails the request; `statusName` is its name. */
export class Smb2StatusError extends Error {
  readonly statusName: string;
  constructor(
    readonly status: number,
    what: string,
  ) {
    const name = statusName(status);
    super(`${what}: ${name}`);
    this.name = 'Smb2StatusError';
    this.statusName = name;
  }
}
