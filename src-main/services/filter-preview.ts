import { AppError } from '../../src-shared/errors';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { FilterPreview } from '../../src-shared/model/preset';
import { compileFilter, splitPatterns, type PathFilter } from '../engine/filters';
import { walkTree } from '../engine/tree-walk';
import type { Location } from '../locations/location';

/** How long a preview may walk before it answers with what it has counted. */
export const PREVIEW_TIME_LIMIT_MS = 10_000;

export interface PreviewRequest {
  includes: string;
  excludes: string;
  /** Stop after looking at this many files (folders do not count). */
  limit: number;
  /** Stop after this long (default PREVIEW_TIME_LIMIT_MS). */
  timeLimitMs?: number;
}

/**
 * Compiles an include/exclude pair as the engine does. Throws AppError `invalid-input` naming the
 * list (includes or excludes) and the pattern that cannot be a filter.
 */
export function compilePreviewFilter(includes: string, excludes: string): PathFilter {
  for (const [list, patterns] of [
    ['includes', includes],
    ['excludes', excludes],
  ] as const) {
    for (const pattern of splitPatterns(patterns)) {
      try {
        compileFilter(pattern, '');
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new AppError(
          'invalid-input',
          `The ${list} pattern "${pattern}" is malformed: ${why}`,
          {
            field: list,
            pattern,
          },
        );
      }
    }
  }
  return compileFilter(includes, excludes);
}

/**
 * How many files of a location a filter pair lets through: the same walk and the same
 * SIMPLE_PATTERN semantics as PREPARING (folders the filters rule out are not entered, folders
 * that cannot be listed are passed over), so on a new destination the count equals the files a
 * run would transfer (regular files and symbolic links). Stops at `limit` files or the time
 * limit with `complete` false. Always closes the location.
 * Throws AppError `invalid-input` for a malformed pattern (before connecting), what connecting
 * and listing the root throw, and `timeout` when the location does not answer in time.
 */
export async function previewFilter(
  createLocation: (
    config: LocationConfig,
    secrets: LocationSecrets,
  ) => Location | Promise<Location>,
  config: LocationConfig,
  secrets: LocationSecrets,
  request: PreviewRequest,
): Promise<FilterPreview> {
  const filter = compilePreviewFilter(request.includes, request.excludes);
  const timeLimitMs = request.timeLimitMs ?? PREVIEW_TIME_LIMIT_MS;
  const location = await createLocation(config, secrets);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeLimitMs);
  const preview: FilterPreview = {
    matchedFiles: 0,
    matchedBytes: 0,
    examinedFiles: 0,
    complete: true,
  };
  let walking = false;
  try {
    await location.connect(stop.signal);
    walking = true;
    // Folders are pruned with the real filter; files all come through so they can be counted.
    const pruneOnly: PathFilter = {
      active: filter.active,
      mayContainAccepted: (p) => filter.mayContainAccepted(p),
      accepts: () => true,
    };
    const walk = walkTree(location, stop.signal, { filter: pruneOnly, onUnreadable: () => {} });
    for await (const entry of walk) {
      if (entry.type === 'dir') continue;
      if (preview.examinedFiles >= request.limit) {
        preview.complete = false;
        break;
      }
      preview.examinedFiles++;
      if (!filter.accepts(entry.path) || !transferable(entry.type, entry.problem)) continue;
      preview.matchedFiles++;
      preview.matchedBytes += entry.size;
    }
    return preview;
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    if (!walking) {
      throw new AppError(
        'timeout',
        `No answer from ${location.description} within ${Math.round(timeLimitMs / 1000)} s`,
      );
    }
    return { ...preview, complete: false };
  } finally {
    clearTimeout(timer);
    await location.close();
  }
}

/** What PREPARING plans to copy: files and links; special files and problem names are skipped. */
function transferable(type: string, problem: string | undefined): boolean {
  return (type === 'file' || type === 'symlink') && problem === undefined;
}
