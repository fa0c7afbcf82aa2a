import { useEffect, useRef } from 'react';
import type { LocationFolder } from './use-location-folder';

/**
 * The name of the window event a menu command for the browser shown arrives as
 * (detail: 'go-up' | 'go-back' | 'refresh'), for the app shell to dispatch while a location
 * browser is the current screen.
 */
export const BROWSER_COMMAND_EVENT = 'dataferry:browser-command';

/**
 * The file browser's keys on the whole page, as in the Files view: F5 refreshes, Alt+Left goes
 * back, Alt+Up goes up; and the same commands when they come from the application menu.
 */
export function useBrowserKeys(folder: LocationFolder): void {
  const current = useRef(folder);
  current.current = folder;

  useEffect(() => {
    const run = (command: unknown): boolean => {
      const f = current.current;
      if (command === 'refresh') f.refresh();
      else if (command === 'go-back') f.goBack();
      else if (command === 'go-up') f.up();
      else return false;
      return true;
    };
    const onKey = (event: KeyboardEvent): void => {
      const command =
        event.key === 'F5'
          ? 'refresh'
          : event.altKey && event.key === 'ArrowLeft'
            ? 'go-back'
            : event.altKey && event.key === 'ArrowUp'
              ? 'go-up'
              : null;
      if (command && run(command)) event.preventDefault();
    };
    const onCommand = (event: Event): void => {
      run((event as CustomEvent<unknown>).detail);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener(BROWSER_COMMAND_EVENT, onCommand);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener(BROWSER_COMMAND_EVENT, onCommand);
    };
  }, []);
}
