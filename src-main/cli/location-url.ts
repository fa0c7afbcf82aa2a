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
 *   s3://bucket/prefix?endpoint=URL&region=R&pathStyle=true   S3 (credentials: AWS env/profiles)
 *   smb://user@host:port/share/path?domain=D&version=auto     SMB (password: DATAFERRY_SMB_PASSWORD)
 *   nfs://host:port/export/path?mountPort=N&uid=U&gid=G       NFS
 * Throws AppError('invalid-input') naming what is wrong.
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
      `Not a location: "${text}". Use an absolute path, file:///path, s3://bucket/prefix, smb://user@host/share/path or nfs://host/export/path`,
    );
  }
  switch (url.protocol) {
    case 'file:':
      return local(fileURLToPath(url));
    case 's3:':
      return s3(url, text);
    case 'smb:':
      return smb(url, env);
    case 'nfs:':
      return nfs(url, text);
    default:
      throw new AppError(
        'invalid-input',
        `Unknown location scheme "${url.protocol}" in "${text}" (use file, s3, smb or nfs)`,
      );
  }
}

function validated(input: unknown, text: string): LocationConfig {
  const parsed = locationConfigSchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'location'}: ${i.message}`)
      .join('; ');
    throw new AppError('invalid-input', `Invalid location "${text}": ${why}`);
  }
  return parsed.data;
}

function local(folder: string): ParsedLocation {
  return { config: validated({ kind: 'local', path: folder }, folder), secrets: {} };
}

function segments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

function numberParam(url: URL, name: string, text: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new AppError('invalid-input', `${name} must be a whole number in "${text}"`);
  return n;
}

function s3(url: URL, text: string): ParsedLocation {
  const endpoint = url.searchParams.get('endpoint') ?? '';
  const config = validated(
    {
      kind: 's3',
      bucket: decodeURIComponent(url.hostname),
      prefix: segments(url).join('/'),
      region: url.searchParams.get('region') ?? '',
      endpoint,
      pathStyle: url.searchParams.get('pathStyle') === 'true',
      credentials: url.searchParams.get('profile') ? 'profile' : 'default',
      profile: url.searchParams.get('profile') ?? '',
    },
    text,
  );
  return { config, secrets: {} };
}

function smb(url: URL, env: NodeJS.ProcessEnv): ParsedLocation {
  const [share = '', ...rest] = segments(url);
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
      user: decodeURIComponent(url.username),
      version: versions[version] ?? version.toUpperCase(),
    },
    text,
  );
  const password = url.password ? decodeURIComponent(url.password) : env.DATAFERRY_SMB_PASSWORD;
  return { config, secrets: password === undefined ? {} : { password } };
}

function nfs(url: URL, text: string): ParsedLocation {
  const parts = segments(url);
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
