import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../../src-main/cli/cli-args';

/* --io-timeout and --retry-for, and their environment variables, as the engine's limits. */

const RUN = ['run', '--from', '/a', '--to', '/b'];

function limitsOf(argv: string[], env: Record<string, string> = {}) {
  const command = parseCommandLine(argv, env);
  if (command.name !== 'run-adhoc' && command.name !== 'run-task')
    throw new Error(`not a run: ${command.name}`);
  return command.limits;
}

describe('engine limits on the command line', () => {
  it('are unset by default, so each location keeps its own time limits', () => {
    expect(limitsOf(RUN)).toEqual({});
  });

  it('take seconds (fractions too) from the flags, for ad-hoc runs and saved tasks', () => {
    expect(limitsOf([...RUN, '--io-timeout', '2.5', '--retry-for', '0'])).toEqual({
      ioTimeoutMs: 2500,
      retryForMs: 0,
    });
    expect(limitsOf(['run', '--task', 'nightly', '--retry-for', '90'])).toEqual({
      retryForMs: 90_000,
    });
  });

  it('fall back to DATAFERRY_IO_TIMEOUT and DATAFERRY_RETRY_FOR; a flag wins', () => {
    const env = { DATAFERRY_IO_TIMEOUT: '7', DATAFERRY_RETRY_FOR: '' };
    expect(limitsOf(RUN, env)).toEqual({ ioTimeoutMs: 7000 });
    expect(limitsOf([...RUN, '--io-timeout', '3'], env)).toEqual({ ioTimeoutMs: 3000 });
  });

  it.each([
    [['--io-timeout', '0'], /--io-timeout must be a number of seconds from 0.1 to 3600, not "0"/],
    [['--io-timeout', 'soon'], /--io-timeout .* not "soon"/],
    [['--retry-for=-1'], /--retry-for must be a number of seconds from 0 to 86400/],
    [['--retry-for', '1e9'], /--retry-for .* not "1e9"/],
    [['--io-timeout', ''], /--io-timeout .* not ""/],
  ])('refuses %j with a usage error naming the flag', (extra, message) => {
    expect(() => parseCommandLine([...RUN, ...extra])).toThrow(UsageError);
    expect(() => parseCommandLine([...RUN, ...extra])).toThrow(message);
  });

  it('names the environment variable when its value is bad', () => {
    expect(() => parseCommandLine(RUN, { DATAFERRY_RETRY_FOR: 'forever' })).toThrow(
      /DATAFERRY_RETRY_FOR \(environment\) must be a number of seconds/,
    );
  });
});
