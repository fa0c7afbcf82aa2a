import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendererCsp } from '../../../src-main/security/csp';
import { CHANNELS, EVENT_NAMES, contract, listenerName } from '../../../src-shared/ipc/contract';
import { ERROR_CODES, retryClassOf } from '../../../src-shared/errors';

describe('the contract', () => {
  it('names every channel domain:verb', () => {
    for (const channel of [...CHANNELS, ...EVENT_NAMES])
      expect(channel).toMatch(/^[a-z]+:[a-z-]+$/);
  });

  it('gives every channel a zod request schema', () => {
    for (const channel of CHANNELS)
      expect(typeof contract[channel].request.safeParse).toBe('function');
  });

  it('derives on* listener names from event names', () => {
    expect(listenerName('app:menu-command')).toBe('onAppMenuCommand');
    expect(listenerName('execution:progress')).toBe('onExecutionProgress');
  });

  it('gives every error code a retry class', () => {
    for (const code of ERROR_CODES)
      expect(['retry', 'no-retry', 'fatal']).toContain(retryClassOf(code));
    expect(ERROR_CODES).toContain('invalid-input');
  });
});

describe('the CSP', () => {
  it('is the same in index.html as in the headers main sends', () => {
    const html = readFileSync(path.resolve(__dirname, '../../../src-renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(rendererCsp());
  });

  it('allows no inline or eval script and no foreign hosts', () => {
    const csp = rendererCsp();
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(csp).toContain("default-src 'none'");
  });
});
