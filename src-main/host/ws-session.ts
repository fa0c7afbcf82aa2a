import type { WebSocket } from 'ws';
import { wsProtocolError, type WsServerMessage } from '../../src-shared/ipc/ws-protocol';
import { fail } from '../../src-shared/ipc/result';
import { dispatch, type DispatchLog, type Handlers } from '../handlers/dispatch';
import { wsRequestSchema } from './ws-request-schema';

/**
 * Serves the contract over one WebSocket: each request frame is validated, dispatched to the same
 * handlers Electron IPC uses, and answered with its id. A malformed frame is answered with an
 * `invalid-input` result (id null when it had none); the connection stays open.
 */
export function serveContractOverSocket(
  socket: WebSocket,
  handlers: Handlers,
  log: DispatchLog,
): void {
  socket.on('message', (data, isBinary) => {
    void answer(socket, handlers, log, isBinary ? null : data.toString());
  });
  // A client that breaks the protocol (a frame over the size limit, text that is not UTF-8, bad
  // framing) makes ws emit 'error', then close that socket with the matching code (1009, 1007,
  // 1002). Without a listener the error would end the whole process; the socket is closed anyway.
  socket.on('error', () => undefined);
}

async function answer(
  socket: WebSocket,
  handlers: Handlers,
  log: DispatchLog,
  text: string | null,
): Promise<void> {
  if (text === null) {
    send(socket, {
      type: 'result',
      id: null,
      result: fail(wsProtocolError('Binary frames are not accepted')),
    });
    return;
  }
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    send(socket, {
      type: 'result',
      id: null,
      result: fail(wsProtocolError('A request must be JSON')),
    });
    return;
  }
  const parsed = wsRequestSchema.safeParse(frame);
  if (!parsed.success) {
    const id = idOf(frame);
    send(socket, {
      type: 'result',
      id,
      result: fail(wsProtocolError('A request must be {type:"request", id, channel, request}')),
    });
    return;
  }
  const result = await dispatch(handlers, parsed.data.channel, parsed.data.request, log);
  send(socket, { type: 'result', id: parsed.data.id, result });
}

function idOf(frame: unknown): number | null {
  if (typeof frame === 'object' && frame !== null && 'id' in frame) {
    const id = (frame as { id: unknown }).id;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  }
  return null;
}

/** Sends a frame if the socket is still open; a closed socket just drops it. */
export function send(socket: WebSocket, message: WsServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
