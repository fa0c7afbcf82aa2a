/**
 * The Content-Security-Policy of the renderer. Scripts, styles and fonts only from the app itself,
 * no inline code, no plugins, no frames, no forms, and network access only to the app's own origin
 * (the web host adds its WebSocket address). The desktop app and the web host send it as a header;
 * index.html carries the same policy in a meta tag (a test keeps the two equal).
 */
export function rendererCsp(extraConnectSrc: readonly string[] = []): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...extraConnectSrc],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Directives a meta tag cannot carry, so they exist only in the header. */
export const HEADER_ONLY_CSP = "frame-ancestors 'none'";
