import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 256 random bits, URL-safe: the access token printed in the web host's URL. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison, whatever the lengths, so the token cannot be guessed by timing. */
export function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The cookie that carries the token after the first visit; per port, so two hosts never clash. */
export function tokenCookieName(port: number): string {
  return `dataferry-token-${port}`;
}

/**
 * The path and query a request asks for, or null when its target is not a path ("*", an
 * absolute URL, or text no URL parser takes). Never throws: `new URL('//', base)` does, and a
 * request line is whatever the client sent.
 */
export function requestTarget(req: IncomingMessage): URL | null {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return null;
  try {
    // Appended to an origin rather than resolved against it, so "//host/x" stays a path.
    return new URL(`http://placeholder${target}`);
  } catch {
    return null;
  }
}

/** The token a request presents: `?token=` in the URL, else the host's cookie, else null. */
export function presentedToken(req: IncomingMessage, port: number): string | null {
  const fromQuery = requestTarget(req)?.searchParams.get('token');
  if (fromQuery) return fromQuery;
  return readCookie(req.headers.cookie, tokenCookieName(port));
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The origins the host accepts as its own: the loopback address and name on its port. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * A Host header naming anything but the loopback address on our port means the browser was led
 * here through another name (DNS rebinding): refuse it even with a token.
 */
export function isOwnHost(hostHeader: string | undefined, port: number): boolean {
  return hostHeader === `127.0.0.1:${port}` || hostHeader === `localhost:${port}`;
}

export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  return origin !== undefined && ownOrigins(port).includes(origin);
}
