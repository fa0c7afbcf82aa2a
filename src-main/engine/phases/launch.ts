import { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import type { Location } from '../../locations/location';
import { temporaryName } from '../../locations/temp-names';

/**
 * LAUNCHING: reaches both locations and proves the source can be read and the destination
 * written, with an error that says which side and why. A destination root that does not exist
 * yet is created (as cp and rsync do), except in a dry run, which changes nothing and reports
 * whether the destination exists. Throws AppError.
 */
export async function launch(
  source: Location,
  destination: Location,
  signal: AbortSignal,
  dryRun = false,
): Promise<{ destinationExists: boolean }> {
  let destinationExists = true;
  // connect() proves the root can be listed; listing it here would cost an S3 source a HEAD
  // per object at the top level, which PREPARING is about to do anyway.
  await onSide('source', source, () => source.connect(signal));
  await onSide('destination', destination, async () => {
    try {
      await destination.connect(signal);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not-found')) throw error;
      destinationExists = false;
      if (dryRun) return;
      await destination.mkdir('', signal);
      await destination.connect(signal);
    }
  });
  // A dry run changes nothing, not even to check that writing works.
  if (dryRun) return { destinationExists };
  await onSide('destination', destination, async () => {
    // A real write, so a read-only share or a full disk shows up now, not after PREPARING.
    const probe = temporaryName();
    await destination.write(
      probe,
      Readable.from([Buffer.from('dataferry write check\n')]),
      {},
      signal,
    );
    await destination.remove(probe, signal);
  });
  return { destinationExists: true };
}

async function onSide(
  side: 'source' | 'destination',
  location: Location,
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (error instanceof AppError) {
      if (error.code === 'cancelled') throw error;
      throw new AppError(
        error.code,
        `The ${side} (${location.description}) is not usable: ${error.message}`,
        {
          ...error.details,
          side,
        },
      );
    }
    throw error;
  }
}
