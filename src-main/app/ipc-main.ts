import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNELS } from '../../src-shared/ipc/contract';
import { fail } from '../../src-shared/ipc/result';
import { dispatch, type DispatchLog, type Handlers } from '../handlers/dispatch';
import { isAppUrl } from './app-protocol';

/**
 * Answers every contract channel over Electron IPC with the shared handlers. A request is served
 * only when it comes from our own window's main frame at our own origin; anything else (another
 * webContents, a subframe, a page navigated elsewhere) is refused with `permission-denied`.
 */
export function serveContractOverIpc(
  handlers: Handlers,
  trustedContents: () => WebContents | null,
  log: DispatchLog,
): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      if (!isTrustedSender(event, trustedContents())) {
        return fail({
          code: 'permission-denied',
          message: `Refused ${channel} from an untrusted sender`,
        });
      }
      return dispatch(handlers, channel, request, log);
    });
  }
}

function isTrustedSender(event: IpcMainInvokeEvent, trusted: WebContents | null): boolean {
  if (!trusted || event.sender !== trusted) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== trusted.mainFrame) return false;
  return isAppUrl(frame.url);
}
