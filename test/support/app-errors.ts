import { AppError } from '../../src-shared/errors';

/** The AppError a synchronous call throws; fails the test if it throws nothing or another error. */
export function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}
