import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../src-shared/errors';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import { locationConfigSchema } from '../../src-shared/model/location-config';

export interface ParsedLocation {
  config: LocationConfig;
  secrets: LocationSecrets;
}

/**
 * Turns a command-line location into a config:
 *   /abs/path or file:///abs/path                         local
 *   s3://bucket/prefix?endpoint=URL&region=R&pathStyle=true   S3 (credentials: AWS env/profiles;
 *                                      metadataKeys=both|rclone|datasync: the metadata written)
 *   smb://user@host:port/share/path?domain=D&version=auto     SMB (password: DATAFERRY_SMB_PASSWORD)
 *   nfs://host:port/export/path?mountPort=N&uid=U&gid=G       NFS
 * Throws AppError('invalid-input') naming what is wrong (never another error: a malformed
 * %-escape or file URL is invalid-input too); its message never repeats a password typed into
 * the URL, and quotes at most 200 characters of it.
 */
export function parseLocationUrl(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): ParsedLocation {
  if (text.trim() === '') throw new AppError('invalid-input', 'A location is required');
  if (path.isAbsolute(text) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return local(path.resolve(text));
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(
      'invalid-input',
      `Not a location: ${shown(text)}. Use an absolute path, file:///path, s3://bucket/prefix, smb://user@host/share/path or nfs://host/export/path`,
    );
  }
  switch (url.protocol) {
    case 'file:':
      return local(filePath(url, text));
    case 's3:':
      return s3(url, text);
    case 'smb:':
      return smb(url, env, text);
    case 'nfs:':
      return nfs(url, text);
    default:
      throw new AppError(
        'invalid-input',
        `Unknown location scheme ${shown(url.protocol)} in ${shown(text)} (use file, s3, smb or nfs)`,
      );
  }
}

/**
 * A location's text fit for a message: a password in its user info masked (everything from the
 * first ":" after the user name to the last "@", so a password holding "/" or "@" is masked
 * too), at most 200 characters, quoted with control characters escaped.
 */
export function shown(text: string): string {
  let masked = text;
  const authority = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/is.exec(text);
  const userInfo = authority?.[2] ?? '';
  const colon = userInfo.indexOf(':');
  if (authority && colon >= 0) {
    masked = `${authority[1]}${userInfo.slice(0, colon)}:***@${text.slice(authority[0].length)}`;
  }
  return JSON.stringify(masked.length <= 200 ? masked : `${masked.slice(0, 200)}…`);
}

function validated(input: unknown, text: string): LocationConfig {
  const parsed = locationConfigSchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'location'}: ${i.message}`)
      .join('; ');
    throw new AppError('invalid-input', `Invalid location ${shown(text)}: ${why}`);
  }
  return parsed.data;
}

/** A %-decoded part of a URL; invalid-input naming the part when its escapes are malformed. */
function decoded(part: string, what: string, text: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AppError('invalid-input', `The ${what} in ${shown(text)} has a malformed %-escape`);
  }
}

function filePath(url: URL, text: string): string {
  try {
    return fileURLToPath(url);
  } catch (error) {
    // A host other than localhost, an encoded "/" in the path...
    const why = error instanceof Error ? error.message : String(error);
    throw new AppError('invalid-input', `Not a local folder: ${shown(text)} (${why})`);
  }
}

function local(folder: string): ParsedLocation {
  return { config: validated({ kind: 'local', path: folder }, folder), secrets: {} };
}

function segments(url: URL, text: string): string[] {
  return url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decoded(s, 'path', text));
}

function numberParam(url: URL, name: string, text: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new AppError('invalid-input', `${name} must be a whole number in ${shown(text)}`);
  return n;
}

function s3(url: URL, text: string): ParsedLocation {
  const endpoint = url.searchParams.get('endpoint') ?? '';
  const config = validated(
    {
      kind: 's3',
      bucket: decoded(url.hostname, 'bucket', text),
      prefix: segments(url, text).join('/'),
      region: url.searchParams.get('region') ?? '',
      endpoint,
      pathStyle: url.searchParams.get('pathStyle') === 'true',
      credentials: url.searchParams.get('profile') ? 'profile' : 'default',
      profile: url.searchParams.get('profile') ?? '',
      ...(url.searchParams.has('metadataKeys') && {
        metadataKeys: url.searchParams.get('metadataKeys'),
      }),
    },
    text,
  );
  return { config, secrets: {} };
}

function smb(url: URL, env: NodeJS.ProcessEnv, typed: string): ParsedLocation {
  const [share = '', ...rest] = segments(url, typed);
  const version = (url.searchParams.get('version') ?? 'auto').toLowerCase();
  const versions: Record<string, string> = {
    auto: 'AUTOMATIC',
    '3': 'SMB3',
    smb3: 'SMB3',
    '2': 'SMB2',
    smb2: 'SMB2',
    '2.0': 'SMB2_0',
  };
  const text = url.toString().replace(/:[^:@/]*@/, '@');
  const config = validated(
    {
      kind: 'smb',
      server: url.hostname,
      port: url.port ? Number(url.port) : 445,
      share,
      path: rest.join('/'),
      domain: url.searchParams.get('domain') ?? '',
      user: decoded(url.username, 'user name', typed),
      version: versions[version] ?? version.toUpperCase(),
    },
    text,
  );
  const password = url.password
    ? decoded(url.password, 'password', typed)
    : env.DATAFERRY_SMB_PASSWORD;
  return { config, secrets: password === undefined ? {} : { password } };
}

function nfs(url: URL, text: string): ParsedLocation {
  const parts = segments(url, text);
  // The export is the first segment unless `export=` says how many segments it spans.
  const exportDepth = numberParam(url, 'exportDepth', text) ?? 1;
  const config = validated(
    {
      kind: 'nfs',
      server: url.hostname,
      port: url.port ? Number(url.port) : 2049,
      mountPort: numberParam(url, 'mountPort', text) ?? 0,
      export: `/${parts.slice(0, exportDepth).join('/')}`,
      path: parts.slice(exportDepth).join('/'),
      uid: numberParam(url, 'uid', text) ?? 0,
      gid: numberParam(url, 'gid', text) ?? 0,
      version: 'NFS3',
    },
    text,
  );
  return { config, secrets: {} };
}
