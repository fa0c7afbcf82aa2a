import type { z } from 'zod';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import {
  contract,
  isChannel,
  type Channel,
  type ResponseOf,
  type ValidRequestOf,
} from '../../src-shared/ipc/contract';
import { fail, ok, type Result } from '../../src-shared/ipc/result';

/** Implements one channel; may throw AppError, which becomes the error of the Result. */
export type Handler<C extends Channel> = (
  request: ValidRequestOf<C>,
) => Promise<ResponseOf<C>> | ResponseOf<C>;

/** One handler for every channel: the compiler rejects a missing one. */
export type Handlers = { [C in Channel]: Handler<C> };

export interface DispatchLog {
  error(message: string, error: unknown): void;
}

const MAX_ISSUES_REPORTED = 10;

/**
 * Validates a request against the contract and runs its handler. Never throws and never rejects:
 * an unknown channel or a request that fails the schema answers `invalid-input`, an AppError
 * answers its own code, anything else answers `unknown` (logged, with no stack in the answer).
 * Used by both transports, so Electron IPC and the web host behave identically.
 */
export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  request: unknown,
  log: DispatchLog,
): Promise<Result<unknown>> {
  if (!isChannel(channel)) {
    return fail({
      code: 'invalid-input',
      message: `Unknown channel: ${truncate(shown(channel), 80)}`,
    });
  }
  const parsed = contract[channel].request.safeParse(request);
  if (!parsed.success) return fail(describeInvalidRequest(channel, parsed.error));
  try {
    const handler = handlers[channel] as Handler<typeof channel>;
    return ok(await handler(parsed.data as never));
  } catch (error) {
    if (error instanceof AppError) return fail(error.toInfo());
    log.error(`${channel} failed unexpectedly`, error);
    const reason = error instanceof Error ? shown(error.message) : shown(error);
    // The first line only: whatever the error carried after it (a stack, a dump) stays in the log.
    const firstLine = reason.split('\n', 1)[0] ?? '';
    return fail({
      code: 'unknown',
      message: `${channel} failed unexpectedly: ${truncate(firstLine, 300)}`,
    });
  }
}

function describeInvalidRequest(channel: Channel, error: z.ZodError): ErrorInfo {
  const issues = error.issues.slice(0, MAX_ISSUES_REPORTED).map((issue) => ({
    path: issue.path.map(String).join('.') || '(request)',
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return {
    code: 'invalid-input',
    message: `Invalid request for ${channel}: ${summary}`,
    details: { issues },
  };
}

/** A value as text for a message; never throws (a null-prototype object has no toString). */
function shown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `(${typeof value})`;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
