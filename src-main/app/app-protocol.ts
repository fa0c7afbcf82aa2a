import { protocol } from 'electron';
import { HEADER_ONLY_CSP, rendererCsp } from '../security/csp';
import { readStaticFile } from '../host/static-files';

/**
 * The renderer is served from app://dataferry/ rather than file://, so it has a real origin that
 * IPC senders are checked against, file:// gets no extra powers, and every response carries the
 * CSP as a header.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'dataferry';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
    },
  ]);
}

/** Serves files of the built renderer under app://dataferry/; anything else is 404. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? await readStaticFile(rendererDir, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: {
        'Content-Type': file.contentType,
        'Content-Security-Policy': `${rendererCsp()}; ${HEADER_ONLY_CSP}`,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}

/**
 * Whether a URL is one of ours: app://dataferry/..., or electron-vite's dev server when this run
 * was started by it. Compares scheme and host, not `origin`: Node's URL gives a non-special
 * scheme such as app: the opaque origin "null".
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return true;
    const dev = process.env.ELECTRON_RENDERER_URL;
    return dev !== undefined && parsed.origin === new URL(dev).origin;
  } catch {
    return false;
  }
}
