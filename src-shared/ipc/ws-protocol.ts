import type { ErrorInfo } from '../errors';
import type { Result } from './result';

/**
 * The web host's WebSocket framing around the contract: the browser sends requests with an id,
 * the host answers with a result carrying the same id, and pushes events with no id.
 */
export const WS_PATH = '/api';
export const WS_MAX_MESSAGE_BYTES = 1024 * 1024;

export type WsServerMessage =
  | { type: 'result'; id: number | null; result: Result<unknown> }
  | { type: 'event'; event: string; payload: unknown };

export function wsProtocolError(message: string): ErrorInfo {
  return { code: 'invalid-input', message };
}
