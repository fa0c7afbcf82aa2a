import { AppError, type ErrorCode } from '../../../src-shared/errors';
import { isAbortError } from '../abort';

/*
 * What the AWS SDK v3 throws, and what it becomes (shapes observed with @aws-sdk/client-s3
 * 3.1175 and @smithy/node-http-handler 4.14):
 * - a service error: an S3ServiceException (or a subclass such as NoSuchKey) with `name` and
 *   `Code` = the S3 error code, `message` = the server's <Message>, `$metadata.httpStatusCode`,
 *   `$fault`. A response without a body (HEAD) has no code: 404 arrives as name "NotFound",
 *   other statuses as name "Unknown" with message "UnknownError".
 * - a network error: the Node error itself (`code` ECONNREFUSED...), with `$metadata` added.
 *   The handler renames ECONNRESET, EPIPE and ETIMEDOUT errors to name "TimeoutError", so
 *   errno codes are read before names.
 * - the handler's own timeouts: name "TimeoutError" and no code; connection timeouts say
 *   "did not establish a connection".
 * - a fired abort signal: name "AbortError".
 * - credential lookup failures: CredentialsProviderError / TokenProviderError.
 * - a response checksum that does not match: a plain Error "Checksum mismatch: ...".
 */

/**
 * An answer the S3 location cannot use though the SDK accepted it (a listing that is no
 * listing, that would never end, or is too large or too slow to read): `appCode` is the
 * shared code it maps to, `reason` says what was wrong, without the endpoint (mapS3Error
 * adds it).
 */
export class S3AnswerError extends Error {
  constructor(
    readonly appCode: ErrorCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'S3AnswerError';
  }
}

export interface S3ErrorContext {
  /** What was being done, as a verb: "read", "list folder". */
  operation: string;
  bucket: string;
  key?: string;
  endpointLabel: string;
}

/** What an error says about itself, read defensively. */
interface Facts {
  /** The S3 error code (NoSuchKey...), if the server sent one. */
  s3Code: string | undefined;
  status: number | undefined;
  /** A Node/OpenSSL error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT...), maybe from a cause. */
  errno: string | undefined;
  name: string;
  message: string;
  requestId: string | undefined;
  hostname: string | undefined;
  storageClass: string | undefined;
}

type Describe = (facts: Facts, ctx: S3ErrorContext, label: string) => string;

interface Rule {
  code: ErrorCode;
  describe: Describe;
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TLS_ERRNOS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Names the SDK gives a bodiless error that carry no S3 code of their own. */
const NO_CODE_NAMES = new Set(['Unknown', 'UnknownError', 'Error', 'S3ServiceException']);

const notFound: Describe = (f, ctx, label) =>
  ctx.key === undefined || f.s3Code === 'NoSuchBucket'
    ? `Bucket "${ctx.bucket}" does not exist at ${ctx.endpointLabel} (${label})`
    : `Object "${ctx.key}" does not exist in bucket "${ctx.bucket}" at ${ctx.endpointLabel} (${label})`;

const denied: Describe = (_f, ctx, label) =>
  `Access denied to ${where(ctx)} at ${ctx.endpointLabel} while trying to ${ctx.operation} (${label})`;

const expiredCredentials: Describe = (_f, ctx, label) =>
  `${ctx.endpointLabel} refused the credentials as expired or invalid (${label}): renew them (for an SSO profile, run "aws sso login")`;

const clock: Describe = (_f, ctx, label) =>
  `${ctx.endpointLabel} refused the request as too old or from the future (${label}): check this computer's clock`;

const serverBusy: Describe = (_f, ctx, label) =>
  `${ctx.endpointLabel} is overloaded or unavailable and still refused access to ${where(ctx)} after retries (${label})`;

const serverFailed: Describe = (f, ctx, label) =>
  `${ctx.endpointLabel} failed with an internal error while accessing ${where(ctx)} (${label})${serverSays(f)}`;

const checksum: Describe = (_f, ctx, label) =>
  `The data of ${where(ctx)} did not match its checksum at ${ctx.endpointLabel}: it was damaged on the way (${label})`;

const noSpace: Describe = (_f, ctx, label) =>
  `${ctx.endpointLabel} has no storage space left for ${where(ctx)} (${label})`;

const quota: Describe = (_f, ctx, label) =>
  `A storage quota at ${ctx.endpointLabel} is exceeded, so ${where(ctx)} cannot be written (${label})`;

/** By S3 error code. Codes are case-sensitive in S3, and compared as such. */
const BY_S3_CODE: Record<string, Rule> = {
  NoSuchBucket: { code: 'not-found', describe: notFound },
  NoSuchKey: { code: 'not-found', describe: notFound },
  NotFound: { code: 'not-found', describe: notFound },
  NoSuchUpload: {
    code: 'not-found',
    describe: (_f, ctx, label) =>
      `The multipart upload of ${where(ctx)} no longer exists at ${ctx.endpointLabel}: it was completed or aborted (${label})`,
  },
  AccessDenied: { code: 'permission-denied', describe: denied },
  Forbidden: { code: 'permission-denied', describe: denied },
  AllAccessDisabled: { code: 'permission-denied', describe: denied },
  AccountProblem: {
    code: 'permission-denied',
    describe: (_f, ctx, label) =>
      `${ctx.endpointLabel} refused access because of a problem with the account (${label})`,
  },
  InvalidAccessKeyId: {
    code: 'auth-failed',
    describe: (_f, ctx, label) =>
      `${ctx.endpointLabel} does not know the access key ID (${label}): check the location's access key ID`,
  },
  SignatureDoesNotMatch: {
    code: 'auth-failed',
    describe: (_f, ctx, label) =>
      `The secret access key does not match the access key ID at ${ctx.endpointLabel} (${label}): check the location's secret access key`,
  },
  ExpiredToken: { code: 'auth-failed', describe: expiredCredentials },
  TokenRefreshRequired: { code: 'auth-failed', describe: expiredCredentials },
  InvalidToken: { code: 'auth-failed', describe: expiredCredentials },
  RequestExpired: { code: 'auth-failed', describe: clock },
  RequestTimeTooSkewed: { code: 'auth-failed', describe: clock },
  AuthorizationHeaderMalformed: {
    code: 'auth-failed',
    // AWS says here which region it expected, which is the usual cause.
    describe: (f, ctx, label) =>
      `${ctx.endpointLabel} refused the request's authorization (${label})${serverSays(f)}`,
  },
  SlowDown: { code: 'unavailable', describe: serverBusy },
  ServiceUnavailable: { code: 'unavailable', describe: serverBusy },
  TooManyRequests: { code: 'unavailable', describe: serverBusy },
  InternalError: { code: 'unavailable', describe: serverFailed },
  RequestTimeout: {
    code: 'unavailable',
    describe: (_f, ctx, label) =>
      `${ctx.endpointLabel} gave up waiting for the data of ${where(ctx)} (${label})`,
  },
  InvalidBucketName: {
    code: 'invalid-config',
    describe: (_f, ctx, label) =>
      `"${ctx.bucket}" is not a valid bucket name at ${ctx.endpointLabel} (${label})`,
  },
  PermanentRedirect: {
    code: 'invalid-config',
    describe: (_f, ctx, label) =>
      `Bucket "${ctx.bucket}" must be reached through another endpoint or region than ${ctx.endpointLabel} (${label})`,
  },
  KeyTooLongError: {
    code: 'invalid-name',
    describe: (_f, ctx, label) =>
      `The key "${ctx.key ?? ''}" is longer than ${ctx.endpointLabel} allows (${label})`,
  },
  EntityTooLarge: {
    code: 'not-supported',
    describe: (_f, ctx, label) =>
      `${capitalize(where(ctx))} is larger than ${ctx.endpointLabel} accepts (${label})`,
  },
  InvalidObjectState: {
    code: 'not-supported',
    describe: (f, ctx, label) =>
      `${capitalize(where(ctx))} is archived${f.storageClass ? ` in ${f.storageClass}` : ''} at ${ctx.endpointLabel} and must be restored before it can be read (${label})`,
  },
  NotImplemented: {
    code: 'not-supported',
    describe: (_f, ctx, label) =>
      `${ctx.endpointLabel} does not support what "${ctx.operation}" needs (${label})`,
  },
  BadDigest: { code: 'checksum-mismatch', describe: checksum },
  InvalidDigest: { code: 'checksum-mismatch', describe: checksum },
  XAmzContentSHA256Mismatch: { code: 'checksum-mismatch', describe: checksum },
  PreconditionFailed: {
    code: 'changed-during-transfer',
    describe: (_f, ctx, label) =>
      `${capitalize(where(ctx))} changed at ${ctx.endpointLabel} while being worked on (${label})`,
  },
  StorageFull: { code: 'no-space', describe: noSpace },
  XMinioStorageFull: { code: 'no-space', describe: noSpace },
  InsufficientStorage: { code: 'no-space', describe: noSpace },
  BucketAlreadyOwnedByYou: {
    code: 'already-exists',
    describe: (_f, ctx, label) =>
      `Bucket "${ctx.bucket}" already exists at ${ctx.endpointLabel} (${label})`,
  },
  BucketAlreadyExists: {
    code: 'already-exists',
    describe: (_f, ctx, label) =>
      `Bucket "${ctx.bucket}" already exists at ${ctx.endpointLabel}, owned by another account (${label})`,
  },
};

/** For answers with a status and no code this table knows. */
const BY_STATUS: Record<number, Rule> = {
  401: { code: 'auth-failed', describe: expiredCredentials },
  403: { code: 'permission-denied', describe: denied },
  404: { code: 'not-found', describe: notFound },
  412: BY_S3_CODE.PreconditionFailed as Rule,
  429: { code: 'unavailable', describe: serverBusy },
  500: { code: 'unavailable', describe: serverFailed },
  502: { code: 'unavailable', describe: serverBusy },
  503: { code: 'unavailable', describe: serverBusy },
  504: { code: 'unavailable', describe: serverBusy },
  507: { code: 'no-space', describe: noSpace },
};

/**
 * Maps anything an SDK call threw to an AppError with a shared code; never throws.
 * An AppError passes through unchanged. The message is a sentence naming the cause, the bucket
 * or object and the endpoint; `details` carry the S3 code (`s3Code`), the HTTP status
 * (`httpStatus`), the Node error code (`errno`) and the request id when there are any.
 * Codes: cancelled, not-found, permission-denied, auth-failed, unavailable, timeout,
 * invalid-config (TLS trust, bucket name), invalid-name, not-supported, checksum-mismatch,
 * changed-during-transfer, no-space, quota-exceeded, already-exists, unknown.
 */
export function mapS3Error(error: unknown, ctx: S3ErrorContext): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof S3AnswerError) {
    const details: Record<string, unknown> = {
      operation: ctx.operation,
      bucket: ctx.bucket,
      endpoint: ctx.endpointLabel,
    };
    if (ctx.key !== undefined) details.key = ctx.key;
    return new AppError(
      error.appCode,
      `${capitalize(where(ctx))} at ${ctx.endpointLabel}: ${ctx.operation} failed: ${error.reason}`,
      details,
    );
  }
  try {
    const facts = factsOf(error);
    const { code, message } = classify(error, facts, ctx);
    return new AppError(code, message, detailsOf(facts, ctx));
  } catch {
    // Reading a hostile object (throwing getters) must not turn one failure into another.
    return new AppError(
      'unknown',
      `${capitalize(where(ctx))} at ${ctx.endpointLabel}: ${ctx.operation} failed`,
      { operation: ctx.operation, bucket: ctx.bucket, endpoint: ctx.endpointLabel },
    );
  }
}

function classify(
  error: unknown,
  f: Facts,
  ctx: S3ErrorContext,
): { code: ErrorCode; message: string } {
  const at = ctx.endpointLabel;
  if (isAbortError(error) || causes(error).some(isAbortError)) {
    return {
      code: 'cancelled',
      message: `${capitalize(where(ctx))} at ${at}: ${ctx.operation} cancelled`,
    };
  }
  if (f.name === 'CredentialsProviderError' || f.name === 'TokenProviderError') {
    return { code: 'auth-failed', message: credentialsMessage(f, at) };
  }
  if (f.errno && TLS_ERRNOS.has(f.errno)) {
    const reason = f.message.split(';')[0]?.trim() || f.errno;
    return {
      code: 'invalid-config',
      message: `The server's certificate at ${at} is not trusted (${reason}; ${f.errno}): add the certificate of the CA that issued it in the location's "CA certificate (PEM)" field`,
    };
  }
  if (f.errno === 'ENOTFOUND' || f.errno === 'EAI_AGAIN') {
    const host = f.hostname ?? hostOf(at);
    return {
      code: 'unavailable',
      message: `Cannot connect to ${at}: the host name${host ? ` "${host}"` : ''} could not be resolved (${f.errno})`,
    };
  }
  if (f.errno && NETWORK_ERRNOS.has(f.errno)) {
    return { code: 'unavailable', message: networkMessage(f.errno, at) };
  }
  if (f.errno === 'ETIMEDOUT' || f.name === 'TimeoutError') {
    const label = f.errno ?? f.name;
    return /establish a connection/.test(f.message)
      ? {
          code: 'timeout',
          message: `Cannot connect to ${at}: no connection within the time limit (${label})`,
        }
      : {
          code: 'timeout',
          message: `${at} stopped answering while working on ${where(ctx)} (${label})`,
        };
  }
  if (f.s3Code === undefined && /^socket hang up/.test(f.message)) {
    return { code: 'unavailable', message: networkMessage('ECONNRESET', at) };
  }
  if (f.s3Code === undefined && /XML parse error/.test(f.message)) {
    const status = f.status === undefined ? '' : `HTTP ${f.status}, `;
    return {
      code: 'unknown',
      message: `${capitalize(where(ctx))} at ${at}: ${ctx.operation} failed: the answer is not readable S3 XML (${status}${f.message.replace(/^@aws-sdk /, '').replace(/\.$/, '')})`,
    };
  }
  if (f.s3Code === undefined && /^Checksum mismatch/.test(f.message)) {
    return { code: 'checksum-mismatch', message: checksum(f, ctx, 'checksum mismatch') };
  }
  const label = f.s3Code ?? (f.status === undefined ? f.name : `HTTP ${f.status}`);
  const byCode = f.s3Code === undefined ? undefined : BY_S3_CODE[f.s3Code];
  if (byCode) return { code: byCode.code, message: byCode.describe(f, ctx, label) };
  if (f.s3Code && /QuotaExceeded/i.test(f.s3Code)) {
    return { code: 'quota-exceeded', message: quota(f, ctx, label) };
  }
  const byStatus = f.status === undefined ? undefined : BY_STATUS[f.status];
  if (byStatus) return { code: byStatus.code, message: byStatus.describe(f, ctx, label) };
  const fromServer = f.s3Code !== undefined || f.status !== undefined;
  const said = fromServer ? serverSays(f) : f.message ? `: ${f.message}` : '';
  const codeLabel = [f.s3Code, f.status === undefined ? undefined : `HTTP ${f.status}`]
    .filter(Boolean)
    .join(', ');
  return {
    code: 'unknown',
    message: `${capitalize(where(ctx))} at ${at}: ${ctx.operation} failed${codeLabel ? ` (${codeLabel})` : ''}${said}`,
  };
}

function credentialsMessage(f: Facts, at: string): string {
  // The providers' first sentence says what is wrong; their remedies are replaced by ours.
  const first = f.message.split(/\.(\s|$)/)[0]?.trim();
  const said = first ? `: ${first}` : '';
  return /\bsso\b/i.test(f.message)
    ? `Could not get AWS credentials for ${at}${said} (${f.name}). Run "aws sso login" with the location's profile, then try again`
    : `No AWS credentials were found for ${at}${said} (${f.name}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile from ~/.aws/config, or run "aws sso login" for an SSO profile`;
}

function networkMessage(errno: string, at: string): string {
  switch (errno) {
    case 'ECONNREFUSED':
      return `Cannot connect to ${at}: the connection was refused; is the server running on that port? (${errno})`;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `Cannot connect to ${at}: the network or host is unreachable (${errno})`;
    default:
      return `The connection to ${at} was closed unexpectedly (${errno})`;
  }
}

/** ': <server message>' when the server said something beyond the SDK's placeholder. */
function serverSays(f: Facts): string {
  return f.message && f.message !== 'UnknownError' && f.message !== f.s3Code
    ? `: ${f.message.replace(/\.$/, '')}`
    : '';
}

function factsOf(error: unknown): Facts {
  const e = asRecord(error);
  const metadata = asRecord(e.$metadata);
  const response = asRecord(e.$response);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const isServiceError = metadata.httpStatusCode !== undefined || e.$fault !== undefined;
  const codeField = typeof e.Code === 'string' ? e.Code : undefined;
  const s3Code =
    codeField ??
    (isServiceError && !NO_CODE_NAMES.has(name) && !isNodeErrorShape(e) ? name : undefined);
  const status =
    typeof metadata.httpStatusCode === 'number'
      ? metadata.httpStatusCode
      : typeof response.statusCode === 'number'
        ? response.statusCode
        : undefined;
  let errno: string | undefined;
  let hostname: string | undefined;
  for (const link of [error, ...causes(error)]) {
    const r = asRecord(link);
    if (errno === undefined && typeof r.code === 'string') errno = r.code;
    if (hostname === undefined && typeof r.hostname === 'string') hostname = r.hostname;
  }
  const message =
    typeof e.message === 'string' ? e.message : typeof error === 'string' ? error : String(error);
  return {
    s3Code,
    status,
    errno,
    name,
    // The SDK appends a hint for developers to errors it met while parsing an answer.
    message: message.replace(/\s*Deserialization error: to see the raw response[\s\S]*$/, ''),
    requestId: typeof metadata.requestId === 'string' ? metadata.requestId : undefined,
    hostname,
    storageClass: typeof e.StorageClass === 'string' ? e.StorageClass : undefined,
  };
}

/** A Node error with $metadata added by the SDK: its name says nothing about S3. */
function isNodeErrorShape(e: Record<string, unknown>): boolean {
  return typeof e.code === 'string' || e.name === 'TimeoutError' || e.name === 'AbortError';
}

/** The causes of an error and the first of an AggregateError's errors, a few levels deep. */
function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const r = asRecord(current);
    const next = r.cause ?? (Array.isArray(r.errors) ? r.errors[0] : undefined);
    if (next === undefined || next === null || out.includes(next)) break;
    out.push(next);
    current = next;
  }
  return out;
}

function detailsOf(f: Facts, ctx: S3ErrorContext): Record<string, unknown> {
  const details: Record<string, unknown> = {
    operation: ctx.operation,
    bucket: ctx.bucket,
    endpoint: ctx.endpointLabel,
  };
  if (ctx.key !== undefined) details.key = ctx.key;
  if (f.s3Code !== undefined) details.s3Code = f.s3Code;
  if (f.status !== undefined) details.httpStatus = f.status;
  if (f.errno !== undefined) details.errno = f.errno;
  if (f.requestId !== undefined) details.requestId = f.requestId;
  return details;
}

function where(ctx: S3ErrorContext): string {
  if (ctx.bucket === '') return 'the bucket list'; // ListBuckets: no bucket yet
  // '' is the bucket's root (a listing of the whole bucket): no object has that key.
  return ctx.key === undefined || ctx.key === ''
    ? `bucket "${ctx.bucket}"`
    : `object "${ctx.key}" in bucket "${ctx.bucket}"`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function hostOf(label: string): string | undefined {
  try {
    return new URL(label).hostname || undefined;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
