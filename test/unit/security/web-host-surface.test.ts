import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../../src-main/events/event-bus';
import { startWebHost, WEB_HOST_ADDRESS, type WebHost } from '../../../src-main/host/web-host';
import { tempDir } from '../../support/engine-harness';
import { within } from '../handlers/hostile-values';
import { openOfflineRig, type OfflineRig } from '../handlers/offline-rig';

/*
 * The web host's own surface: where it listens, the headers on every response (whatever its
 * status), and request targets that once made it fail: "//" took the process down when sent as
 * a WebSocket upgrade, before any token was checked, and answered 500 over plain HTTP.
 */

let scratch: { dir: string; remove(): Promise<void> };
let rig: OfflineRig;
let host: WebHost;

beforeAll(async () => {
  scratch = await tempDir('web-host-surface');
  const rendererDir = path.join(scratch.dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>DataFerry</title>');
  rig = await openOfflineRig();
  host = await startWebHost({
    handlers: rig.handlers,
    bus: new EventBus(),
    rendererDir,
    log: { error: (message) => void rig.logged.push(message) },
  });
});

afterAll(async () => {
  await host?.close();
  await rig?.close();
  await scratch?.remove();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  where: string,
  options: { method?: string; headers?: Record<string, string>; address?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: options.address ?? '127.0.0.1',
        port: host.port,
        method: options.method ?? 'GET',
        path: where,
        headers: { host: `127.0.0.1:${host.port}`, ...options.headers },
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

const cookie = (): Record<string, string> => ({
  cookie: `dataferry-token-${host.port}=${host.token}`,
});

/** Whether a TCP connection to address:port is accepted. */
function accepts(address: string, port: number): Promise<boolean | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('the web host listens on 127.0.0.1 only', () => {
  it('is reachable on 127.0.0.1, not on another loopback address nor on ::1', async () => {
    expect(WEB_HOST_ADDRESS).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', host.port)).toBe(true);
    // Control: a server on every address is reachable at 127.0.0.2 here, so the refusal below
    // proves the web host is bound to 127.0.0.1 alone, not to 0.0.0.0.
    const everywhere = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => everywhere.listen(0, '0.0.0.0', resolve));
    const controlPort = (everywhere.address() as net.AddressInfo).port;
    const control = await accepts('127.0.0.2', controlPort);
    await new Promise((resolve) => everywhere.close(resolve));
    expect(control).toBe(true);
    expect(await accepts('127.0.0.2', host.port)).toBe('ECONNREFUSED');
    // No IPv6 listener either (EADDRNOTAVAIL/ENETUNREACH where the machine has no ::1).
    expect(await accepts('::1', host.port)).not.toBe(true);
  });
});

describe('security headers on every response', () => {
  const cases: [string, () => Promise<Reply>, number][] = [
    ['the app page', () => send('/', { headers: cookie() }), 200],
    ['the token trade', () => send(`/?token=${host.token}`), 303],
    ['no token', () => send('/'), 401],
    [
      'a foreign host name',
      () => send('/', { headers: { ...cookie(), host: 'evil.example' } }),
      403,
    ],
    ['a missing file', () => send('/nothing.js', { headers: cookie() }), 404],
    ['another method', () => send('/', { method: 'POST', headers: cookie() }), 405],
    ['a target that is not a path', () => send('//', { headers: cookie() }), 404],
  ];

  it.each(cases)('%s', async (_what, request, status) => {
    const reply = await request();
    expect(reply.status).toBe(status);
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(
      `connect-src 'self' ws://127.0.0.1:${host.port} ws://localhost:${host.port}`,
    );
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(reply.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(reply.headers['cache-control']).toBe('no-store');
    // Never permissive CORS.
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request targets that are not plain paths', () => {
  it('answers "//" and other odd targets over HTTP without failing', async () => {
    for (const target of ['//', '///:', '//:', '//evil.example/x', '/\\evil.example']) {
      const reply = await send(target, { headers: cookie() });
      expect(reply.status, target).toBe(404);
    }
    expect(rig.logged).toEqual([]);
  });

  it('answers an absolute-form or asterisk target with 400', async () => {
    expect((await send('*', { method: 'OPTIONS', headers: cookie() })).status).toBe(405);
    expect((await send('*', { headers: cookie() })).status).toBe(400);
    expect((await send('http://127.0.0.1/', { headers: cookie() })).status).toBe(400);
  });

  it('redirects the token trade to a path on this host, never to "//another-host"', async () => {
    const reply = await send(`//evil.example/x?token=${host.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/evil.example/x');
    const backslash = await send(`/\\evil.example/x?token=${host.token}&a=1`);
    expect(backslash.headers.location).toBe('/evil.example/x?a=1');
  });

  it('refuses a WebSocket upgrade to "//" (it used to end the process) and keeps serving', async () => {
    for (const target of ['//', '//:', '///api']) {
      const raw = net.connect(host.port, '127.0.0.1');
      raw.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
      const answer = await within(
        new Promise<string>((resolve) => {
          let text = '';
          raw.on('data', (c: Buffer) => (text += c.toString('latin1')));
          raw.once('close', () => resolve(text));
        }),
        15_000,
        target,
      );
      expect(answer, target).toMatch(/^HTTP\/1\.1 404 /);
    }
    await expectServing();
  });

  it('survives clients that hang up in the middle of being refused', async () => {
    for (let i = 0; i < 50; i++) {
      const raw = net.connect(host.port, '127.0.0.1');
      raw.on('error', () => undefined);
      raw.write(
        `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
      raw.resetAndDestroy();
    }
    await expectServing();
  });
});

async function expectServing(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
    headers: { origin: `http://127.0.0.1:${host.port}` },
  });
  const reply = await within(
    new Promise<unknown>((resolve, reject) => {
      ws.once('open', () =>
        ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'tasks:list', request: {} })),
      );
      ws.once('message', (data) => resolve(JSON.parse(data.toString())));
      ws.once('error', reject);
    }),
    15_000,
    'a request after the odd ones',
  );
  ws.close();
  expect(reply).toEqual({ type: 'result', id: 1, result: { ok: true, value: [] } });
}
