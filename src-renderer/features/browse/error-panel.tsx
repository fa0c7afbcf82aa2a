import type { ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';

const HINTS: Partial<Record<ErrorInfo['code'], string>> = {
  'not-found': 'The folder does not exist (any more). Check the path, or go up a level.',
  'permission-denied': 'Your account is not allowed to read this folder.',
  'not-dir': 'This path is a file, not a folder.',
  'invalid-input': 'Type a full path, starting from the root (for example /home or C:\\).',
  unavailable: 'The connection to DataFerry was lost; it reconnects by itself.',
};

/** Why a folder could not be shown, in words, with the ways out. */
export function ErrorPanel(props: {
  error: ErrorInfo;
  onGoUp(): void;
  onRetry(): void;
}): ReactElement {
  return (
    <div className="error-panel" role="alert">
      <h2>{props.error.message}</h2>
      {HINTS[props.error.code] && <p>{HINTS[props.error.code]}</p>}
      <div className="actions">
        <button type="button" onClick={props.onGoUp}>
          Go up
        </button>
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    </div>
  );
}
