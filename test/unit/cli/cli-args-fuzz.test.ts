import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type Command } from '../../../src-main/cli/cli-args';
import { EXIT, runCli } from '../../../src-main/cli/cli';
import { parseLocationUrl } from '../../../src-main/cli/location-url';
import { AppError } from '../../../src-shared/errors';
import { locationConfigSchema } from '../../../src-shared/model/location-config';
import { taskOptionsSchema } from '../../../src-shared/model/task';
import { tempDir } from '../../support/engine-harness';

/*
 * The `dataferry` command line fuzzed: random argv (unknown flags, NUL bytes, 1 MiB values,
 * control characters) through parseCommandLine, and malformed location URLs of every scheme
 * through parseLocationUrl and the whole CLI. Every refusal is a usage error (exit 2) with a
 * short message that quotes no password and sends no control character to the terminal; nothing
 * else is ever thrown.
 */

const HUGE = 'y'.repeat(1024 * 1024);
const PASSWORD = 'Zq7-S3cr3t-Pa55';
const FLAGS = [
  '--from',
  '--to',
  '--task',
  '--verify',
  '--overwrite',
  '--transfer-mode',
  '--delete',
  '--dry-run',
  '--bwlimit',
  '--parallel',
  '--include',
  '--exclude',
  '--log-level',
  '--security-descriptors',
  '--io-timeout',
  '--retry-for',
  '--json',
  '--limit',
  '--format',
  '--output',
  '--help',
  '--version',
  '-h',
  '-v',
  '--',
];
const WORDS = ['run', 'tasks', 'list', 'executions', 'show', 'report', 'help'];

const argument: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FLAGS, ...WORDS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      HUGE,
      `--${HUGE}`,
      '\0',
      'a\0b',
      '--from=\0',
      '\x1b[2J\x1b[31m',
      '-1',
      '1e999',
      '-0',
      'NaN',
      '0x10',
      '10G',
      '9'.repeat(400),
      '--nope',
      '-xyz',
      '---',
      '--from=',
      '--json=true',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...FLAGS).map((f) => `${f}=${'z'.repeat(200)}`) },
);

const COMMAND_NAMES: Command['name'][] = [
  'run-adhoc',
  'run-task',
  'tasks-list',
  'executions-list',
  'executions-show',
  'report',
  'help',
  'version',
];

/**
 * What a message printed to a terminal must be: short, one line, no control characters, and no
 * password (`secretMayBePath`: a file URL has no user info, its text is the folder's name).
 */
function expectTidyMessage(message: string, label: string, secretMayBePath = false): void {
  expect(message.trim(), label).not.toBe('');
  expect(message.length, label).toBeLessThan(1500);
  // eslint-disable-next-line no-control-regex
  expect(message, label).not.toMatch(/[\u0000-\u001f\u007f]/);
  if (!secretMayBePath) expect(message, label).not.toContain('S3cr3t');
}

describe('parseCommandLine, fuzzed', () => {
  it('returns a command or throws a UsageError with a tidy message, nothing else', () => {
    const seen = { commands: 0, usage: 0 };
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 10 }), (argv) => {
        let command: Command;
        try {
          command = parseCommandLine(argv);
        } catch (error) {
          expect(error, JSON.stringify(argv).slice(0, 200)).toBeInstanceOf(UsageError);
          expectTidyMessage((error as Error).message, JSON.stringify(argv).slice(0, 200));
          seen.usage++;
          return;
        }
        seen.commands++;
        expect(COMMAND_NAMES).toContain(command.name);
        if (command.name === 'run-adhoc') {
          expect(taskOptionsSchema.safeParse(command.options).success).toBe(true);
          expect(typeof command.from).toBe('string');
          expect(typeof command.to).toBe('string');
        }
        if (command.name === 'executions-list') {
          expect(Number.isInteger(command.limit) && command.limit >= 1).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    // Both sides were exercised.
    expect(seen.usage).toBeGreaterThan(100);
    expect(seen.commands).toBeGreaterThan(20);
  });

  it.each([
    [['run', '--from', '/a', '--to', '/b', '--verify', HUGE], '--verify must be one of'],
    [['run', '--from', '/a', '--to', '/b', '--bwlimit', `1${HUGE}`], '--bwlimit must be a number'],
    [
      ['run', '--from', '/a', '--to', '/b', '--parallel', '\0'],
      '--parallel must be a whole number',
    ],
    [['executions', 'list', '--limit', '1e400'], '--limit must be a whole number'],
    [['run', '--from', '/a', '--to', '/b', '--bwlimit', '9'.repeat(30)], 'BytesPerSecond'],
    [[`--${HUGE}`], 'Unknown option'],
    [['\x1b[2Jrm'], 'Unknown command "\\u001b[2Jrm"'],
    [['report', 'x', '--format', 'xml\0'], '--format must be json or csv, not "xml\\u0000"'],
  ])('refuses %#: a usage error quoting at most 100 characters', (argv, words) => {
    let caught: unknown;
    try {
      parseCommandLine(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as Error).message;
    expect(message).toContain(words);
    expectTidyMessage(message, words);
    expect(message).not.toContain('y'.repeat(101));
  });
});

const SCHEMES = ['file', 's3', 'smb', 'nfs'] as const;

const percentGarbage = fc.constantFrom('%', '%z', '%zz', '%E0%A4%A', '%C0%AF', '%ff', '%2F', '%00');
const urlPart = fc.oneof(
  fc.string({ maxLength: 15 }),
  percentGarbage,
  fc.constantFrom('..', '.', '', ' ', '[', ']', '::1', '@', ':', '?', '#', '\\', HUGE),
);

/** Malformed and odd location URLs of every scheme, some with a password in them. */
const locationText: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...SCHEMES), urlPart, urlPart, urlPart, urlPart)
    .map(([scheme, host, a, b, query]) => `${scheme}://${host}/${a}/${b}?${query}`),
  fc
    .tuple(fc.constantFrom(...SCHEMES), urlPart, urlPart, urlPart)
    .map(([scheme, user, host, rest]) => `${scheme}://${user}:${PASSWORD}@${host}/${rest}`),
  fc
    .tuple(
      fc.constantFrom(...SCHEMES),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
    )
    .map(([scheme, url]) => url.replace(/^https?:/, `${scheme}:`)),
  fc.constantFrom(
    'file://host/x',
    'file:///a%2Fb',
    'file:///a%00b',
    'file:',
    's3://',
    's3://%zz/x',
    's3://b/?endpoint=javascript:alert(1)',
    `s3://b/${HUGE}`,
    `smb://u:${PASSWORD}@h:99999/share`,
    `smb://u:${PASSWORD}@[::1/share`,
    `smb://u:${PASSWORD}@h/share/%zz`,
    `smb://u:${PASSWORD.replace('-', '/')}@h/share`,
    'smb://us%zzer@h/share',
    'smb://u:p%zz@h/share',
    'smb://h/share?version=SMB9',
    'nfs://h/%zz',
    'nfs://h/e?uid=-1',
    'nfs://h/e?uid=1e300',
    'nfs://h/e?mountPort=65536',
    'nfs://h:0/e?exportDepth=99999999999',
    `ftp://u:${PASSWORD}@x/y`,
    `nfs://${'h'.repeat(300)}/e`,
    'relative/path',
    '\0',
  ),
);

/** The password a URL's user info holds, as a URL parser reads it ('' for none). */
function userInfoPassword(text: string): string {
  try {
    return new URL(text).password;
  } catch {
    return '';
  }
}

describe('parseLocationUrl, fuzzed', () => {
  it('returns a valid config of the scheme, or invalid-input without the password', () => {
    const seen = { parsed: 0, refused: 0 };
    fc.assert(
      fc.property(locationText, (text) => {
        const label = text.slice(0, 120);
        let parsed: ReturnType<typeof parseLocationUrl>;
        try {
          parsed = parseLocationUrl(text, {});
        } catch (error) {
          expect(error, label).toBeInstanceOf(AppError);
          expect((error as AppError).code, label).toBe('invalid-input');
          expectTidyMessage((error as AppError).message, label, /^file:/i.test(text));
          seen.refused++;
          return;
        }
        seen.parsed++;
        expect(locationConfigSchema.safeParse(parsed.config).success, label).toBe(true);
        const scheme = text.slice(0, text.indexOf(':'));
        const kind = { file: 'local', s3: 's3', smb: 'smb', nfs: 'nfs' }[scheme] ?? 'local';
        expect(parsed.config.kind, label).toBe(kind);
        // A password typed into the URL's user info goes to the secrets, never into the
        // config (elsewhere in a URL, the same text is part of a path or a host).
        if (userInfoPassword(text) !== '') {
          expect(JSON.stringify(parsed.config), label).not.toContain(PASSWORD);
        }
      }),
      { numRuns: 1500 },
    );
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.parsed).toBeGreaterThan(50);
  });

  it.each([
    [
      'a malformed %-escape in an S3 bucket',
      's3://%zz/x',
      'The bucket in "s3://%zz/x" has a malformed %-escape',
    ],
    ['a malformed %-escape in an SMB user name', 'smb://us%zzer@h/share', 'The user name in'],
    [
      'a malformed %-escape in an SMB password',
      'smb://u:p%zz@h/share',
      'The password in "smb://u:***@h/share"',
    ],
    [
      'a malformed %-escape in an NFS path',
      'nfs://h/e/%E0%A4%A',
      'The path in "nfs://h/e/%E0%A4%A"',
    ],
    ['a file URL naming another host', 'file://host/x', 'Not a local folder: "file://host/x"'],
    ['a file URL with an encoded slash', 'file:///a%2Fb', 'Not a local folder: "file:///a%2Fb"'],
    [
      'an SMB URL with a bad port and a password',
      `smb://u:${PASSWORD}@h:99999/share`,
      'Not a location: "smb://u:***@h:99999/share"',
    ],
    [
      'an unknown scheme with a password',
      `ftp://u:${PASSWORD}@x/y`,
      'Unknown location scheme "ftp:" in "ftp://u:***@x/y"',
    ],
  ])('refuses %s with invalid-input naming it', (_what, text, words) => {
    let caught: unknown;
    try {
      parseLocationUrl(text, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('invalid-input');
    expect((caught as AppError).message).toContain(words);
    expect((caught as AppError).message).not.toContain(PASSWORD);
  });
});

describe('the dataferry command with bad arguments', () => {
  let data: { dir: string; remove(): Promise<void> };
  beforeAll(async () => {
    data = await tempDir('cli-fuzz');
  });
  afterAll(async () => {
    await data.remove();
  });

  async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await runCli(argv, {
      stdout,
      stderr,
      env: { DATAFERRY_DATA_DIR: data.dir, DATAFERRY_SMB_PASSWORD: PASSWORD },
      version: '0.0.0-test',
      onInterrupt: () => () => undefined,
    });
    return { code, stdout: out, stderr: err };
  }

  it('exits 2 with a message for argv the parser refuses', async () => {
    const refused = fc.array(argument, { minLength: 1, maxLength: 8 }).filter((argv) => {
      try {
        parseCommandLine(argv);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(refused, async (argv) => {
        const result = await run(argv);
        expect(result.code).toBe(EXIT.usage);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^dataferry: .+\nRun "dataferry --help" for usage\.\n$/s);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 150 },
    );
  });

  it.each([
    ['file', 'file://host/x'],
    ['file', 'file:///a%2Fb'],
    ['s3', 's3://%zz/x'],
    ['s3', 's3://'],
    ['s3', `s3://bucket/x?endpoint=${'e'.repeat(3000)}`],
    ['smb', `smb://u:${PASSWORD}@h:99999/share`],
    ['smb', 'smb://u:p%zz@h/share'],
    ['smb', 'smb://u@h/share?version=SMB9'],
    ['nfs', 'nfs://h/%zz'],
    ['nfs', 'nfs://h/e?uid=-1'],
    ['none', 'relative/path'],
    ['none', `gopher://u:${PASSWORD}@x/`],
  ])('exits 2 for a bad %s location %#, before anything runs', async (_scheme, url) => {
    for (const argv of [
      ['run', '--from', url, '--to', '/tmp/dataferry-never'],
      ['run', '--from', '/tmp/dataferry-never', '--to', url],
    ]) {
      const result = await run(argv);
      expect(result.code, result.stderr).toBe(EXIT.usage);
      expect(result.stderr).toMatch(/^dataferry: /);
      expectTidyMessage(result.stderr.trimEnd(), url.slice(0, 80));
      expect(result.stdout).toBe('');
    }
    // Nothing was recorded.
    const list = await run(['executions', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
