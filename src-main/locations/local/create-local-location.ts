import path from 'node:path';
import { AppError } from '../../../src-shared/errors';
import { LocalLocation } from './local-location';

/**
 * A LocalLocation on an absolute folder path; blocking I/O when it lives in a worker thread.
 * Throws AppError invalid-config for a relative path.
 */
export function createLocalLocation(
  folder: string,
  options: { inWorker?: boolean } = {},
): LocalLocation {
  if (!path.isAbsolute(folder)) {
    throw new AppError(
      'invalid-config',
      `A local folder must be an absolute path, not "${folder}"`,
      {
        path: folder,
      },
    );
  }
  return new LocalLocation(folder, { blockingIo: options.inWorker ?? false });
}
