import { parseArgs } from 'node:util';
import { taskOptionsSchema, type TaskOptions } from '../../src-shared/model/task';
import type { EngineLimits } from '../engine/retry-policy';

export const USAGE = `Usage:
  dataferry run --from URL --to URL [options]   copy between two locations (ad-hoc)
  dataferry run --task NAME_OR_ID [--json]      run a saved task
  dataferry tasks list [--json]
  dataferry executions list [--task NAME_OR_ID] [--limit N] [--json]
  dataferry executions show ID [--json]
  dataferry report ID [--format json|csv] [--output FILE]

Locations (URL):
  /abs/path  file:///abs/path
  s3://bucket/prefix?endpoint=URL&region=R&pathStyle=true
  smb://user@host:port/share/path?domain=D&version=auto   (password: DATAFERRY_SMB_PASSWORD)
  nfs://host:port/export/path?mountPort=N&uid=U&gid=G   (NFSv3; ports 0 or absent: portmapper
      for MOUNT, 2049 for NFS; exportDepth=N when the export path has N segments)

Run options (DataSync's, defaults first):
  --verify transferred|point-in-time|none
  --overwrite always|never
  --transfer-mode changed|all
  --delete                 remove destination files that are not at the source
  --bwlimit BYTES_PER_SEC  e.g. 1048576, 512K, 10M (default unlimited)
  --parallel N             files moved at once (default 8)
  --include PATTERNS       DataSync simple patterns joined with |, e.g. "/photos|*.pdf"
  --exclude PATTERNS
  --log-level basic|transfer|off
  --hard-links keep|copy    keep files with several names as links where the destination
                           can (local, NFS, SMB; default), or copy each name as a file
  --security-descriptors none|owner-dacl|owner-dacl-sacl
                           SMB to SMB: copy owners and ACLs (and audit ACLs)
  --dry-run                compare and plan only: counts what would move, moves nothing
  --io-timeout SECONDS     SMB, NFS, S3: a request unanswered this long fails with "timeout"
                           (a stalled server); default: SMB/NFS 30, S3 10 to connect and
                           120 idle. Env: DATAFERRY_IO_TIMEOUT
  --retry-for SECONDS      how long a file is retried while a server is unreachable or slow,
                           and how long an outage is ridden out before the run stops
                           (default 30). Env: DATAFERRY_RETRY_FOR
  --json                   print the final execution as one JSON object on stdout

Exit codes: 0 SUCCESS (everything copied), 1 ERROR (also when entries could not be
copied: special files, links to a store without links, names the destination cannot
hold, type conflicts; exclude them to end SUCCESS), 2 usage error, 3 CANCELLED.
Data folder: $DATAFERRY_DATA_DIR, or the desktop app's.`;

export type Command =
  | {
      name: 'run-adhoc';
      from: string;
      to: string;
      options: TaskOptions;
      includes: string;
      excludes: string;
      dryRun: boolean;
      json: boolean;
      limits: EngineLimits;
    }
  | { name: 'run-task'; task: string; json: boolean; limits: EngineLimits }
  | { name: 'tasks-list'; json: boolean }
  | { name: 'executions-list'; task: string | null; limit: number; json: boolean }
  | { name: 'executions-show'; id: string; json: boolean }
  | { name: 'report'; id: string; format: 'json' | 'csv'; output: string | null }
  | { name: 'help' }
  | { name: 'version' };

/** A usage error: exit code 2, with the message and a pointer to --help. */
export class UsageError extends Error {}

const MAX_QUOTED = 100;
const MAX_MESSAGE = 600;

/**
 * A value typed on the command line, for a message: quoted, control characters escaped (a NUL or
 * an escape sequence must not reach the terminal), at most 100 characters.
 */
function quoted(value: string): string {
  return JSON.stringify(value.length <= MAX_QUOTED ? value : `${value.slice(0, MAX_QUOTED)}…`);
}

/**
 * A message built elsewhere (node's parseArgs quotes whole arguments, over several lines): one
 * line, control characters escaped, every word cut at 100 characters, at most 600 in all.
 */
function tidied(message: string): string {
  const visible = message
    .replace(/\r?\n/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[^\s'"]{101,}/g, (word) => `${word.slice(0, MAX_QUOTED)}…`);
  return visible.length <= MAX_MESSAGE ? visible : `${visible.slice(0, MAX_MESSAGE)}…`;
}

const CHOICES = {
  verify: {
    transferred: 'ONLY_FILES_TRANSFERRED',
    'point-in-time': 'POINT_IN_TIME_CONSISTENT',
    none: 'NONE',
  },
  overwrite: { always: 'ALWAYS', never: 'NEVER' },
  'transfer-mode': { changed: 'CHANGED', all: 'ALL' },
  'log-level': { basic: 'BASIC', transfer: 'TRANSFER', off: 'OFF' },
  'hard-links': { keep: 'PRESERVE', copy: 'NONE' },
  'security-descriptors': {
    none: 'NONE',
    'owner-dacl': 'OWNER_DACL',
    'owner-dacl-sacl': 'OWNER_DACL_SACL',
  },
} as const;

function choice<K extends keyof typeof CHOICES>(
  flag: K,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const table = CHOICES[flag] as Record<string, string>;
  const mapped = table[value.toLowerCase()];
  if (!mapped)
    throw new UsageError(
      `--${flag} must be one of ${Object.keys(table).join(', ')}, not ${quoted(value)}`,
    );
  return mapped;
}

/** "10M" -> 10485760; "-1" or "0" -> -1 (unlimited). */
export function parseBytesPerSecond(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]i?B?)?$/i.exec(text.trim());
  if (text.trim() === '-1') return -1;
  if (!match)
    throw new UsageError(
      `--bwlimit must be a number of bytes per second such as 1048576, 512K or 10M, not ${quoted(text)}`,
    );
  const unit = (match[2] ?? '').charAt(0).toUpperCase();
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  const value = Math.round(Number(match[1]) * factor);
  return value === 0 ? -1 : value;
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${flag} must be a whole number of at least 1, not ${quoted(text)}`);
  return n;
}

/** Longest --io-timeout (an hour) and --retry-for (a day) taken: beyond is a typo. */
const MAX_IO_TIMEOUT_S = 3600;
const MAX_RETRY_FOR_S = 86_400;

/**
 * A number of seconds from --flag or, when the flag is absent, from the environment variable;
 * undefined when neither is set. Throws UsageError naming where the bad value came from.
 */
function seconds(
  flag: string,
  value: string | undefined,
  envName: string,
  env: Record<string, string | undefined>,
  min: number,
  max: number,
): number | undefined {
  const fromEnv = value === undefined;
  const text = value ?? env[envName];
  if (text === undefined || (fromEnv && text.trim() === '')) return undefined;
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const where = fromEnv ? `${envName} (environment)` : `--${flag}`;
    throw new UsageError(
      `${where} must be a number of seconds from ${min} to ${max}, not ${quoted(text)}`,
    );
  }
  return Math.round(n * 1000);
}

/** --io-timeout and --retry-for (or their environment variables) as EngineLimits. */
function limitsOf(
  v: ReturnType<typeof parse>['values'],
  env: Record<string, string | undefined>,
): EngineLimits {
  const ioTimeoutMs = seconds(
    'io-timeout',
    v['io-timeout'],
    'DATAFERRY_IO_TIMEOUT',
    env,
    0.1,
    MAX_IO_TIMEOUT_S,
  );
  const retryForMs = seconds(
    'retry-for',
    v['retry-for'],
    'DATAFERRY_RETRY_FOR',
    env,
    0,
    MAX_RETRY_FOR_S,
  );
  return {
    ...(ioTimeoutMs === undefined ? {} : { ioTimeoutMs }),
    ...(retryForMs === undefined ? {} : { retryForMs }),
  };
}

/**
 * Parses the command line (`env` supplies DATAFERRY_IO_TIMEOUT and DATAFERRY_RETRY_FOR when
 * their flags are absent). Throws UsageError with a message that says what is wrong.
 */
export function parseCommandLine(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(tidied(error instanceof Error ? error.message : String(error)));
  }
  const { values: v, positionals: p } = parsed;
  if (v.help || p[0] === 'help') return { name: 'help' };
  if (v.version) return { name: 'version' };
  const json = v.json ?? false;
  const [verb, sub, arg] = p;
  switch (verb) {
    case 'run':
      if (sub !== undefined) throw new UsageError(`Unexpected argument ${quoted(sub)} after run`);
      if (v.task !== undefined) {
        if (v.from || v.to) throw new UsageError('Use either --task or --from/--to, not both');
        return { name: 'run-task', task: v.task, json, limits: limitsOf(v, env) };
      }
      if (!v.from || !v.to)
        throw new UsageError('run needs --from URL and --to URL (or --task NAME)');
      return {
        name: 'run-adhoc',
        from: v.from,
        to: v.to,
        options: runOptions(v),
        includes: v.include ?? '',
        excludes: v.exclude ?? '',
        dryRun: v['dry-run'] ?? false,
        json,
        limits: limitsOf(v, env),
      };
    case 'tasks':
      if (sub !== 'list') throw new UsageError('Use: dataferry tasks list');
      return { name: 'tasks-list', json };
    case 'executions':
      if (sub === 'list')
        return {
          name: 'executions-list',
          task: v.task ?? null,
          limit: positiveInt('limit', v.limit, 20),
          json,
        };
      if (sub === 'show' && arg) return { name: 'executions-show', id: arg, json };
      throw new UsageError('Use: dataferry executions list | dataferry executions show ID');
    case 'report': {
      if (!sub)
        throw new UsageError(
          'Use: dataferry report EXECUTION_ID [--format json|csv] [--output FILE]',
        );
      const format = (v.format ?? 'json').toLowerCase();
      if (format !== 'json' && format !== 'csv')
        throw new UsageError(`--format must be json or csv, not ${quoted(v.format ?? '')}`);
      return { name: 'report', id: sub, format, output: v.output ?? null };
    }
    case undefined:
      return { name: 'help' };
    default:
      throw new UsageError(`Unknown command ${quoted(verb)}`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      task: { type: 'string' },
      verify: { type: 'string' },
      overwrite: { type: 'string' },
      'transfer-mode': { type: 'string' },
      delete: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      bwlimit: { type: 'string' },
      parallel: { type: 'string' },
      include: { type: 'string' },
      exclude: { type: 'string' },
      'log-level': { type: 'string' },
      'security-descriptors': { type: 'string' },
      'hard-links': { type: 'string' },
      'io-timeout': { type: 'string' },
      'retry-for': { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

function runOptions(v: ReturnType<typeof parse>['values']): TaskOptions {
  const input = {
    VerifyMode: choice('verify', v.verify),
    OverwriteMode: choice('overwrite', v.overwrite),
    TransferMode: choice('transfer-mode', v['transfer-mode']),
    PreserveDeletedFiles: v.delete ? 'REMOVE' : undefined,
    BytesPerSecond: v.bwlimit === undefined ? undefined : parseBytesPerSecond(v.bwlimit),
    Parallelism: v.parallel === undefined ? undefined : positiveInt('parallel', v.parallel, 8),
    LogLevel: choice('log-level', v['log-level']),
    SecurityDescriptorCopyFlags: choice('security-descriptors', v['security-descriptors']),
    PreserveHardLinks: choice('hard-links', v['hard-links']),
  };
  const parsed = taskOptionsSchema.safeParse(
    Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined)),
  );
  if (!parsed.success) {
    throw new UsageError(
      tidied(
        parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '),
      ),
    );
  }
  return parsed.data;
}
