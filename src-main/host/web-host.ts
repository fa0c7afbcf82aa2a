import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_MAX_MESSAGE_BYTES, WS_PATH } from '../../src-shared/ipc/ws-protocol';
import type { EventBus } from '../events/event-bus';
import type { DispatchLog, Handlers } from '../handlers/dispatch';
import { HEADER_ONLY_CSP, rendererCsp } from '../security/csp';
import { readStaticFile } from './static-files';
import {
  isOwnHost,
  isOwnOrigin,
  newAccessToken,
  presentedToken,
  requestTarget,
  tokenCookieName,
  tokensMatch,
} from './web-host-auth';
import { send, serveContractOverSocket } from './ws-session';

/** The web host binds here and nowhere else: it hands out access to the user's files. */
export const WEB_HOST_ADDRESS = '127.0.0.1';

export interface WebHostOptions {
  handlers: Handlers;
  bus: EventBus;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 256 fresh random bits. */
  token?: string;
  log: DispatchLog;
}

export interface WebHost {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const UNAUTHORIZED_TEXT =
  'DataFerry: this page needs the access token. Open the URL that `npm run serve` printed.\n';

/**
 * Serves the built renderer over HTTP and the contract over a WebSocket at /api, on 127.0.0.1
 * only. Every HTTP request and every WebSocket upgrade must present the token (in `?token=` or
 * the cookie set on the first visit) and name the host as 127.0.0.1 or localhost on our port;
 * upgrades must also come from our own Origin. Anything else gets 401/403 and no socket.
 *
 * Rejects when the port cannot be bound (e.g. EADDRINUSE).
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newAccessToken();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES });
  let port = 0;

  const server = createServer((req, res) => {
    void serveHttp(req, res, { token, port, rendererDir: options.rendererDir }).catch((error) => {
      options.log.error('web host request failed', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    // A client that resets the connection while being refused must not end the process.
    socket.on('error', () => socket.destroy());
    const refusal = refuseUpgrade(req, token, port);
    if (refusal) {
      rejectSocket(socket, refusal.status, refusal.text);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  sockets.on('connection', (ws: WebSocket) => {
    serveContractOverSocket(ws, options.handlers, options.log);
  });

  const unsubscribe = options.bus.subscribe((event, payload) => {
    for (const client of sockets.clients) send(client, { type: 'event', event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, WEB_HOST_ADDRESS, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${WEB_HOST_ADDRESS}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface HttpContext {
  token: string;
  port: number;
  rendererDir: string;
}

async function serveHttp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HttpContext,
): Promise<void> {
  setSecurityHeaders(res, ctx.port);
  if (!isOwnHost(req.headers.host, ctx.port)) return reply(res, 403, 'Forbidden host name\n');
  if (!tokensMatch(presentedToken(req, ctx.port), ctx.token)) {
    return reply(res, 401, UNAUTHORIZED_TEXT);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Method not allowed\n');

  const url = requestTarget(req);
  if (!url) return reply(res, 400, 'Bad request\n');
  if (url.searchParams.has('token')) {
    // Trade the token in the address bar for a cookie, so it leaves the history and Referer.
    url.searchParams.delete('token');
    res.setHeader(
      'Set-Cookie',
      `${tokenCookieName(ctx.port)}=${ctx.token}; HttpOnly; SameSite=Strict; Path=/`,
    );
    // One leading slash: "//elsewhere/x" would send the browser to another host.
    const local = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
    res.writeHead(303, { Location: local });
    res.end();
    return;
  }

  const file = await readStaticFile(ctx.rendererDir, url.pathname);
  if (!file) return reply(res, 404, 'Not found\n');
  res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.body.length });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function setSecurityHeaders(res: ServerResponse, port: number): void {
  const wsOrigins = [`ws://${WEB_HOST_ADDRESS}:${port}`, `ws://localhost:${port}`];
  res.setHeader('Content-Security-Policy', `${rendererCsp(wsOrigins)}; ${HEADER_ONLY_CSP}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // frame-ancestors 'none' for browsers that predate it.
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function refuseUpgrade(
  req: IncomingMessage,
  token: string,
  port: number,
): { status: number; text: string } | null {
  if (requestTarget(req)?.pathname !== WS_PATH) return { status: 404, text: 'Not found' };
  if (!isOwnHost(req.headers.host, port)) return { status: 403, text: 'Forbidden host name' };
  if (!isOwnOrigin(req.headers.origin, port)) return { status: 403, text: 'Forbidden origin' };
  if (!tokensMatch(presentedToken(req, port), token))
    return { status: 401, text: 'Missing or wrong token' };
  return null;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function rejectSocket(socket: Duplex, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
