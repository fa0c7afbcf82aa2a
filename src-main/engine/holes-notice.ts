import { hasHoles } from '../locations/holes';
import type { PlanItem } from './plan';
import type { RunContext } from './run-context';

/**
 * Files with holes (sparse files) that go to a destination without holes (an S3 object has
 * none): every byte of them is stored. Counted while TRANSFERRING and said once per run, in
 * the execution log, rather than once per file.
 */
export class HolesNotice {
  private files = 0;
  private size = 0;
  private allocated = 0;

  constructor(private readonly ctx: RunContext) {}

  /** Counts a copied or updated file with holes when the destination cannot keep them. */
  note(item: PlanItem): void {
    if (this.ctx.destination.capabilities.keepsHoles) return;
    if (item.action !== 'copy' && item.action !== 'update') return;
    if (!hasHoles(item)) return;
    this.files++;
    this.size += item.size;
    this.allocated += item.allocatedBytes ?? item.size;
  }

  /** The one log line, when there was such a file. */
  say(): void {
    if (this.files === 0) return;
    this.ctx.logAlways(
      'warn',
      `${this.files} file(s) with holes (sparse: ${this.allocated} bytes allocated of ` +
        `${this.size}) are stored whole: ${this.ctx.destination.description} cannot keep ` +
        `holes, so their zeros take space there`,
    );
  }
}
