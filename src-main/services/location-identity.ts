import path from 'node:path';
import { assertNever } from '../../src-shared/assert-never';
import { AppError } from '../../src-shared/errors';
import type {
  LocationConfig,
  LocationSecrets,
  SavedLocation,
} from '../../src-shared/model/location-config';
import { assertSafeRelativePath } from '../locations/relative-path';

/*
 * When two location configs name the same place, and a config for a folder inside another's. Used
 * to reuse a saved location instead of saving a twin (derived folders, imported presets).
 */

/** Slashes tidied: backslashes become '/', no leading, trailing or doubled slash. */
function tidyFolder(folder: string): string {
  return folder
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+|\/+$/g, '');
}

/** A local folder as the OS writes it: normalised, without a trailing separator (but '/' stays). */
function tidyLocal(folder: string): string {
  const normal = path.normalize(folder);
  const root = path.parse(normal).root;
  return normal.length > root.length ? normal.replace(/[\\/]+$/, '') : normal;
}

/** The config with its folder written one way, so equal places compare equal. */
function normalised(config: LocationConfig): LocationConfig {
  switch (config.kind) {
    case 'local':
      return { ...config, path: tidyLocal(config.path) };
    case 'smb':
    case 'nfs':
      return { ...config, path: tidyFolder(config.path) };
    case 's3':
    case 'object-storage':
      return { ...config, prefix: tidyFolder(config.prefix) };
    case 'memory':
      return config;
    default:
      return assertNever(config, 'location kind');
  }
}

/** JSON with object keys sorted, so field order never matters. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A key equal for two configs exactly when they name the same place the same way (every field
 * equal once folders are tidied). Configs must be parsed (defaults filled in). Never throws.
 */
export function locationIdentity(config: LocationConfig): string {
  return canonicalJson(normalised(config));
}

/** Whether two sets of secrets hold the same values (absent and '' are alike). */
export function sameSecrets(a: LocationSecrets, b: LocationSecrets): boolean {
  const value = (s: LocationSecrets, k: keyof LocationSecrets): string => s[k] ?? '';
  return (
    value(a, 'password') === value(b, 'password') &&
    value(a, 'secretAccessKey') === value(b, 'secretAccessKey')
  );
}

/**
 * The config of a folder inside a location: `relative` ('/'-separated, relative to the location's
 * root) appended to its folder (a local path joined the OS's way, an SMB or NFS path, an S3
 * prefix). Throws AppError `invalid-name` for an empty path or one that could leave the root
 * ('..', absolute, NUL), `invalid-input` for the in-memory kind.
 */
export function configForSubfolder(config: LocationConfig, relative: string): LocationConfig {
  if (relative === '') throw new AppError('invalid-name', 'A folder inside the location is needed');
  assertSafeRelativePath(relative);
  // Configs read a backslash as a separator (and so does Windows): one inside a name could hide
  // a '..' from the check above. Only a POSIX local folder takes it as an ordinary character.
  const backslashIsName = config.kind === 'local' && path.sep === '/';
  if (relative.includes('\\') && !backslashIsName) {
    throw new AppError(
      'invalid-name',
      `Unsafe path "${relative.slice(0, 300)}": a backslash cannot be part of a folder name here`,
      { path: relative.slice(0, 300) },
    );
  }
  const under = (folder: string): string => {
    const base = tidyFolder(folder);
    return base === '' ? relative : `${base}/${relative}`;
  };
  switch (config.kind) {
    case 'local':
      return { ...config, path: path.join(config.path, ...relative.split('/')) };
    case 'smb':
    case 'nfs':
      return { ...config, path: under(config.path) };
    case 's3':
    case 'object-storage':
      return { ...config, prefix: under(config.prefix) };
    case 'memory':
      throw new AppError('invalid-input', 'In-memory locations cannot be saved');
    default:
      return assertNever(config, 'location kind');
  }
}

/**
 * The first of `saved` naming the same place as `config` that `accept` also takes (a preferred
 * name first), or undefined. Never throws (unless `accept` does).
 */
export function findIdentical(
  saved: readonly SavedLocation[],
  config: LocationConfig,
  accept: (location: SavedLocation) => boolean = () => true,
  preferredName?: string,
): SavedLocation | undefined {
  const key = locationIdentity(config);
  const same = saved.filter((l) => locationIdentity(l.config) === key && accept(l));
  return same.find((l) => l.name === preferredName) ?? same[0];
}

/**
 * `base`, or `base` + suffix(1), suffix(2)... until `isTaken` says no; `base` is shortened so the
 * result fits in `maxLength` characters. Never throws.
 */
export function uniqueName(
  base: string,
  isTaken: (name: string) => boolean,
  suffix: (n: number) => string,
  maxLength = 200,
): string {
  const fit = (text: string, room: number): string =>
    text.length <= room ? text : `${text.slice(0, Math.max(0, room - 1)).trimEnd()}…`;
  let name = fit(base, maxLength);
  for (let n = 1; isTaken(name); n++) {
    const tail = suffix(n);
    name = `${fit(base, maxLength - tail.length)}${tail}`;
  }
  return name;
}
