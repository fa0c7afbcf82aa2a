import type { TaskOptions } from '../../src-shared/model/task';
import type { EntryInfo, LocationCapabilities } from '../locations/location';
import type { PlanItem } from './plan';
import type { WalkedEntry } from './tree-walk';

export interface CompareContext {
  options: TaskOptions;
  source: LocationCapabilities;
  destination: LocationCapabilities;
  /** False when PREPARING did not list the destination: a source-only folder may be there. */
  destinationListed?: boolean;
}

function fromSource(entry: EntryInfo, action: PlanItem['action'], detail?: string): PlanItem {
  return detail === undefined ? { ...entry, action } : { ...entry, action, detail };
}

/**
 * An entry refused by name: a problem entry of the source (a name that cannot be a file name,
 * `a/../b`; never followed) is skipped with invalid-name; one the walk refused because the
 * destination would confuse it with a sibling (tree-walk.ts, `nameClash`) fails with invalid-name.
 */
function refusedByName(entry: EntryInfo): PlanItem | null {
  if (entry.problem === undefined) return null;
  if ((entry as WalkedEntry).nameClash) {
    return {
      ...entry,
      action: 'skip',
      detail: entry.problem,
      errorCode: 'invalid-name',
      failed: true,
    };
  }
  return {
    ...entry,
    action: 'skip',
    detail: `not copied: ${entry.problem}`,
    errorCode: 'invalid-name',
    notCopied: true,
  };
}

/** A source entry left behind, with the reason for the report. */
function notCopied(entry: EntryInfo, detail: string): PlanItem {
  return { ...entry, action: 'skip', detail, errorCode: 'not-supported', notCopied: true };
}

/** Entries the destination cannot hold or the options leave out: the reason they are not copied. */
function unsupported(entry: EntryInfo, ctx: CompareContext): string | null {
  if (entry.type === 'symlink' && !ctx.destination.symlinks) {
    return 'symbolic link not copied: the destination cannot hold links';
  }
  if (entry.type === 'other') {
    return ctx.options.PreserveDevices === 'PRESERVE'
      ? 'special file (device, FIFO or socket) not copied: copying them is not supported yet'
      : 'special file (device, FIFO or socket) not copied: PreserveDevices=NONE';
  }
  return null;
}

/** A source entry with nothing at the destination. */
export function planSourceOnly(entry: EntryInfo, ctx: CompareContext): PlanItem {
  const refused = refusedByName(entry);
  if (refused) return refused;
  const skip = unsupported(entry, ctx);
  if (skip) return notCopied(entry, skip);
  if (entry.type === 'dir') {
    const mkdir = fromSource(entry, 'mkdir');
    return ctx.destinationListed === false ? mkdir : { ...mkdir, newFolder: true };
  }
  if (entry.type === 'symlink') return fromSource(entry, 'symlink');
  return fromSource(entry, 'copy');
}

/** A destination entry with nothing at the source: deleted only with PreserveDeletedFiles=REMOVE. */
export function planDestinationOnly(entry: EntryInfo, ctx: CompareContext): PlanItem | null {
  if (ctx.options.PreserveDeletedFiles !== 'REMOVE') return null;
  // A name the destination listed as a problem has only a stand-in path: never deleted.
  if (entry.problem !== undefined) return null;
  return fromSource(entry, entry.type === 'dir' ? 'rmdir' : 'delete');
}

/** A time one side does not know (EntryInfo.mtimeUnknown) is no difference. */
function sameTime(a: EntryInfo, b: EntryInfo, precision: number): boolean {
  if (a.mtimeUnknown || b.mtimeUnknown) return true;
  return Math.abs(a.mtimeMs - b.mtimeMs) < Math.max(1, precision);
}

function metadataDiffers(src: EntryInfo, dst: EntryInfo, ctx: CompareContext): boolean {
  const o = ctx.options;
  const posix = ctx.source.posixMetadata && ctx.destination.posixMetadata;
  if (!posix) return false;
  // A field the destination has no record of (an object another tool wrote without it) is not
  // rewritten on its own: only a field recorded with another value is a difference.
  const differs = (a: number | undefined, b: number | undefined): boolean =>
    a !== undefined && b !== undefined && a !== b;
  if (o.PosixPermissions === 'PRESERVE' && differs(src.mode, dst.mode)) return true;
  if (o.Uid !== 'NONE' && differs(src.uid, dst.uid)) return true;
  if (o.Gid !== 'NONE' && differs(src.gid, dst.gid)) return true;
  return false;
}

/** An entry on both sides: copy, update, apply metadata, or skip, as the options say. */
export function planBoth(src: EntryInfo, dst: EntryInfo, ctx: CompareContext): PlanItem {
  const refused = refusedByName(src);
  if (refused) return refused;
  const skip = unsupported(src, ctx);
  if (skip) return notCopied(src, skip);
  if (src.type !== dst.type) {
    if (ctx.options.OverwriteMode === 'NEVER') {
      return fromSource(src, 'skip', `destination has a ${dst.type} here (OverwriteMode=NEVER)`);
    }
    // Replacing a folder with a file (or back) would destroy data the user may not expect.
    return notCopied(
      src,
      `type conflict, not copied: the source has a ${src.type}, the destination a ${dst.type}`,
    );
  }
  if (src.type === 'dir')
    return metadataDiffers(src, dst, ctx)
      ? fromSource(src, 'meta')
      : { ...fromSource(src, 'mkdir'), newFolder: false };
  const precision = Math.max(ctx.source.mtimePrecisionMs, ctx.destination.mtimePrecisionMs);
  const same =
    src.type === 'symlink'
      ? src.linkTarget === dst.linkTarget
      : src.size === dst.size && (ctx.options.Mtime === 'NONE' || sameTime(src, dst, precision));
  if (ctx.options.TransferMode === 'CHANGED' && same) {
    // A link's content is its target; its own time is metadata.
    const linkTimeDiffers =
      src.type === 'symlink' && ctx.options.Mtime === 'PRESERVE' && !sameTime(src, dst, precision);
    return metadataDiffers(src, dst, ctx) || linkTimeDiffers
      ? fromSource(src, 'meta')
      : fromSource(src, 'skip', 'unchanged');
  }
  if (ctx.options.OverwriteMode === 'NEVER') {
    return fromSource(src, 'skip', 'exists at the destination (OverwriteMode=NEVER)');
  }
  return fromSource(src, src.type === 'symlink' ? 'symlink' : 'update');
}
