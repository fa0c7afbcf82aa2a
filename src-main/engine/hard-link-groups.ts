import type { EntryInfo } from '../locations/location';
import type { CompareContext } from './compare';
import type { PlanItem } from './plan';

interface Group {
  /** The first name of the file met in tree order: the one copied. */
  path: string;
  /** That name at the destination, as it was listed (its own hard-link key, if any). */
  destinationKey: string | undefined;
  /** The first name is written this run: the others must be linked to the new file. */
  written: boolean;
}

/**
 * PREPARING's view of hard links (files with several names, EntryInfo.hardLink). The first
 * name of each file met in tree order is planned as usual; each later name becomes a 'link'
 * to it, made after the copies, when PreserveHardLinks=PRESERVE and the destination has
 * links, or stays a copy whose report line says it was a hard link. Only files with more
 * than one name are remembered, one small record each.
 */
export class HardLinkGroups {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly ctx: CompareContext) {}

  /**
   * The plan item for a source file, given its planned item and its destination entry (when
   * there is one). Never throws.
   */
  plan(item: PlanItem, source: EntryInfo, destination: EntryInfo | undefined): PlanItem {
    const key = source.type === 'file' ? source.hardLink?.key : undefined;
    if (key === undefined) return item;
    // Skipped for a reason of its own (a name refused, OverwriteMode=NEVER...): left alone.
    if (item.action === 'skip' && item.detail !== 'unchanged') return item;
    const group = this.groups.get(key);
    if (!group) {
      this.groups.set(key, {
        path: source.path,
        destinationKey: destination?.hardLink?.key,
        written: item.action === 'copy' || item.action === 'update',
      });
      return item;
    }
    const keep =
      this.ctx.options.PreserveHardLinks === 'PRESERVE' && this.ctx.destination.hardLinks === true;
    if (!keep) {
      if (item.action !== 'copy' && item.action !== 'update') return item;
      return {
        ...item,
        detail: `hard link to /${group.path} at the source: copied as a file (${this.why()})`,
      };
    }
    // Already another name of the same file at the destination, which stays as it is. Where
    // listings cannot tell (SMB), an unchanged name is left as it is rather than linked again
    // on every run.
    const linked = this.ctx.destination.listsHardLinks
      ? !group.written &&
        group.destinationKey !== undefined &&
        destination?.hardLink?.key === group.destinationKey
      : !group.written && item.action === 'skip';
    if (linked) return item;
    const { detail: _detail, ...rest } = item;
    return { ...rest, action: 'link', hardLinkTo: group.path };
  }

  private why(): string {
    return this.ctx.options.PreserveHardLinks === 'PRESERVE'
      ? 'the destination cannot hold hard links'
      : 'PreserveHardLinks=NONE';
  }
}
