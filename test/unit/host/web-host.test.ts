import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../../src-main/events/event-bus';
import { createHandlers } from '../../../src-main/handlers/create-handlers';
import { startWebHost, type WebHost } from '../../../src-main/host/web-host';
import { createAppServices, type AppServices } from '../../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';
import type { AppInfo } from '../../../src-shared/model/app-info';

const appInfo: AppInfo = {
  name: 'DataFerry',
  version: '1.2.3',
  platform: 'linux',
  arch: 'x64',
  dataDir: '/d',
  homeDir: '/h',
  shell: 'web',
};

let rendererDir: string;
let dataDir: string;
let host: WebHost;
let services: AppServices;
const bus = new EventBus();

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-renderer-'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>DataFerry</title>');
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(path.dirname(rendererDir), 'dataferry-secret.txt'), 'secret');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-webhost-data-'));
  services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus,
    schedule: false,
    log: () => undefined,
  });
  host = await startWebHost({
    handlers: createHandlers({ appInfo, services }),
    bus,
    rendererDir,
    log: { error: () => undefined },
  });
});

afterAll(async () => {
  await host.close();
  await services.close();
  await rm(rendererDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: host.port,
        path: pathAndQuery,
        headers: { host: `127.0.0.1:${host.port}`, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const cookie = (): string => `dataferry-token-${host.port}=${host.token}`;
const ownOrigin = (): string => `http://127.0.0.1:${host.port}`;

/** Opens a socket and reports whether the upgrade succeeded and with what HTTP status it failed. */
function connect(opts: {
  token?: string | null;
  origin?: string | null;
  useCookie?: boolean;
}): Promise<{ ws: WebSocket } | { status: number }> {
  const query = opts.token ? `?token=${opts.token}` : '';
  const headers: Record<string, string> = {};
  if (opts.origin) headers.origin = opts.origin;
  if (opts.useCookie) headers.cookie = cookie();
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${query}`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function call(
  ws: WebSocket,
  frame: unknown,
): Promise<{
  id: number | null;
  result: { ok: boolean; value?: unknown; error?: { code: string } };
}> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString());
      if (message.type === 'result') {
        ws.off('message', onMessage);
        resolve(message);
      }
    };
    ws.on('message', onMessage);
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

describe('web host over HTTP', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(40);
  });

  it('answers 401 without a token, with a wrong token, and for assets too', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get(`/?token=${host.token}x`)).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect(
      (await get('/assets/app.js', { cookie: `dataferry-token-${host.port}=nope` })).status,
    ).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly cookie and serves the app with it', async () => {
    const first = await get(`/?token=${host.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toContain(cookie());
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const page = await get('/', { cookie: cookie() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>DataFerry</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await get('/assets/app.js', { cookie: cookie() })).body).toBe('console.log(1)');
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    expect((await get('/', { cookie: cookie(), host: `evil.example:${host.port}` })).status).toBe(
      403,
    );
  });

  it('never serves files outside the renderer folder', async () => {
    for (const probe of [
      '/../dataferry-secret.txt',
      '/%2e%2e/dataferry-secret.txt',
      '/assets/%2e%2e%2f..%2fdataferry-secret.txt',
      '/.env',
    ]) {
      const reply = await get(probe, { cookie: cookie() });
      expect(reply.status, probe).toBe(404);
      expect(reply.body).not.toContain('secret');
    }
  });
});

describe('web host over WebSocket', () => {
  it('refuses a connection without a token, with a wrong one, and from a foreign origin', async () => {
    expect(await connect({ origin: ownOrigin() })).toEqual({ status: 401 });
    expect(await connect({ token: 'wrong', origin: ownOrigin() })).toEqual({ status: 401 });
    expect(await connect({ token: host.token, origin: 'http://evil.example' })).toEqual({
      status: 403,
    });
    expect(
      await connect({ token: host.token, origin: `http://127.0.0.1:${host.port + 1}` }),
    ).toEqual({ status: 403 });
    expect(await connect({ token: host.token, origin: null })).toEqual({ status: 403 });
  });

  it('serves the contract to our own origin with the token, from the URL or the cookie', async () => {
    for (const opts of [{ token: host.token }, { useCookie: true }]) {
      const opened = await connect({ ...opts, origin: ownOrigin() });
      if (!('ws' in opened)) throw new Error(`refused: ${JSON.stringify(opened)}`);
      const reply = await call(opened.ws, {
        type: 'request',
        id: 7,
        channel: 'app:info',
        request: {},
      });
      expect(reply).toEqual({ type: 'result', id: 7, result: { ok: true, value: appInfo } });
      opened.ws.close();
    }
  });

  it('answers bad frames and bad requests with invalid-input and keeps serving', async () => {
    const opened = await connect({ token: host.token, origin: ownOrigin() });
    if (!('ws' in opened)) throw new Error('refused');
    const { ws } = opened;
    expect((await call(ws, 'not json')).result.error?.code).toBe('invalid-input');
    expect((await call(ws, { id: 3, nonsense: true })).result.error?.code).toBe('invalid-input');
    const bad = await call(ws, {
      type: 'request',
      id: 4,
      channel: 'fs:list',
      request: { path: 12 },
    });
    expect(bad.id).toBe(4);
    expect(bad.result.error?.code).toBe('invalid-input');
    const unknown = await call(ws, { type: 'request', id: 5, channel: 'rm:rf', request: {} });
    expect(unknown.result.error?.code).toBe('invalid-input');
    const good = await call(ws, { type: 'request', id: 6, channel: 'app:info', request: {} });
    expect(good.result.ok).toBe(true);
    ws.close();
  });

  it('pushes bus events to connected clients', async () => {
    const opened = await connect({ token: host.token, origin: ownOrigin() });
    if (!('ws' in opened)) throw new Error('refused');
    const received = new Promise<unknown>((resolve) =>
      opened.ws.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    bus.emit('app:menu-command', { command: 'refresh' });
    expect(await received).toEqual({
      type: 'event',
      event: 'app:menu-command',
      payload: { command: 'refresh' },
    });
    opened.ws.close();
  });
});
