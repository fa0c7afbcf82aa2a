import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { dispatch, type Handlers } from '../../../src-main/handlers/dispatch';
import type { AppInfo } from '../../../src-shared/model/app-info';

const info: AppInfo = {
  name: 'DataFerry',
  version: '9.9.9',
  platform: 'linux',
  arch: 'x64',
  dataDir: '/data',
  homeDir: '/home/u',
  shell: 'web',
};

/** Only the channels these tests call; dispatch never touches the others. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app:info': () => info,
    'fs:list': () => ({ path: '/', parent: null, entries: [], skipped: 0 }),
    ...overrides,
  } as Handlers;
}

const log = { error: vi.fn() };

describe('dispatch', () => {
  it('answers a valid request with ok and the value', async () => {
    await expect(dispatch(handlers(), 'app:info', {}, log)).resolves.toEqual({
      ok: true,
      value: info,
    });
  });

  it.each([
    ['a missing request', 'fs:list', undefined],
    ['a missing path', 'fs:list', {}],
    ['a path of the wrong type', 'fs:list', { path: 42 }],
    ['an empty path', 'fs:list', { path: '' }],
    ['a NUL byte in the path', 'fs:list', { path: '/tmp/\0x' }],
    ['an oversized path', 'fs:list', { path: `/${'a'.repeat(5000)}` }],
    ['an unknown field', 'fs:list', { path: '/', extra: true }],
    ['a non-object request', 'app:info', 'hello'],
    ['an array request', 'app:info', []],
  ])(
    'answers invalid-input for %s, without calling the handler',
    async (_what, channel, request) => {
      const list = vi.fn();
      const result = await dispatch(handlers({ 'fs:list': list }), channel, request, log);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-input');
        expect(result.error.message).toContain(`Invalid request for ${channel}`);
      }
      expect(list).not.toHaveBeenCalled();
    },
  );

  it.each([['nope:nothing'], [42], [null], ['__proto__'], ['constructor'], ['toString']])(
    'answers invalid-input for the unknown channel %j',
    async (channel) => {
      const result = await dispatch(handlers(), channel, {}, log);
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    },
  );

  it('passes an AppError through with its code, message and details', async () => {
    const failing = handlers({
      'fs:list': () => {
        throw new AppError('permission-denied', 'Permission denied: /root', { path: '/root' });
      },
    });
    await expect(dispatch(failing, 'fs:list', { path: '/root' }, log)).resolves.toEqual({
      ok: false,
      error: {
        code: 'permission-denied',
        message: 'Permission denied: /root',
        details: { path: '/root' },
      },
    });
  });

  it('turns an unexpected exception into unknown, logs it, and leaks no stack', async () => {
    const errorLog = { error: vi.fn() };
    const failing = handlers({
      'app:info': () => {
        throw new TypeError('boom');
      },
    });
    const result = await dispatch(failing, 'app:info', {}, errorLog);
    expect(result).toEqual({
      ok: false,
      error: { code: 'unknown', message: 'app:info failed unexpectedly: boom' },
    });
    expect(JSON.stringify(result)).not.toContain('at ');
    expect(errorLog.error).toHaveBeenCalledOnce();
  });
});
