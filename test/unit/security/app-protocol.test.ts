import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rendererCsp } from '../../../src-main/security/csp';
import { tempDir } from '../../support/engine-harness';

/*
 * The desktop app serves its renderer from app://dataferry/ (src-main/app/app-protocol.ts). Electron
 * cannot run here, so its `protocol` module is a recording fake: what matters is the privileges
 * the scheme is registered with and the responses the handler gives, CSP header included.
 */

const registered: unknown[] = [];
let handler: ((request: Request) => Promise<Response>) | undefined;

vi.mock('electron', () => ({
  protocol: {
    registerSchemesAsPrivileged: (schemes: unknown[]) => void registered.push(...schemes),
    handle: (_scheme: string, fn: (request: Request) => Promise<Response>) => (handler = fn),
  },
}));

const { registerAppScheme, serveRenderer } = await import('../../../src-main/app/app-protocol');

let scratch: { dir: string; remove(): Promise<void> };

beforeAll(async () => {
  scratch = await tempDir('app-protocol');
  const renderer = path.join(scratch.dir, 'renderer');
  await mkdir(path.join(renderer, 'assets'), { recursive: true });
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>DataFerry</title>');
  await writeFile(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(scratch.dir, 'secret.txt'), 'not for the renderer');
  registerAppScheme();
  serveRenderer(renderer);
});

afterAll(async () => {
  await scratch.remove();
});

async function get(url: string): Promise<Response> {
  if (!handler) throw new Error('no protocol handler was installed');
  return handler(new Request(url));
}

describe('app://dataferry/', () => {
  it('is a standard, secure scheme that does not bypass the CSP', () => {
    expect(registered).toEqual([
      {
        scheme: 'app',
        privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
      },
    ]);
  });

  it('serves the renderer with the CSP header (frame-ancestors included) and nosniff', async () => {
    for (const url of ['app://dataferry/index.html', 'app://dataferry/assets/app.js']) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe(
        `${rendererCsp()}; frame-ancestors 'none'`,
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await get('app://dataferry/index.html')).text()).toContain('<title>DataFerry');
  });

  it('answers 404 for another host, files outside the renderer and dot-files', async () => {
    for (const url of [
      'app://elsewhere/index.html',
      'app://dataferry/%2e%2e/secret.txt',
      'app://dataferry/..%2fsecret.txt',
      'app://dataferry/.env',
      'app://dataferry/assets/%00.js',
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('not for the renderer');
    }
  });
});
