import type { ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';

type Hints = Partial<Record<ErrorInfo['code'], string>>;

const HINTS: Hints = {
  'not-found': 'The folder does not exist (any more). Check the path, or go up a level.',
  'permission-denied': 'Your account is not allowed to read this folder.',
  'not-dir': 'This path is a file, not a folder.',
  'invalid-input': 'Type a full path, starting from the root (for example /home or C:\\).',
  unavailable: 'The connection to DataFerry was lost; it reconnects by itself.',
};

/**
 * Why a folder could not be shown, in words, with the ways out. `hints` replace the local
 * browser's explanations (a remote location explains "unavailable" differently); `action` adds
 * one more way out (e.g. "Edit location").
 */
export function ErrorPanel(props: {
  error: ErrorInfo;
  onGoUp(): void;
  onRetry(): void;
  hints?: Hints;
  /** False at a root, where there is no level to go up to. */
  canGoUp?: boolean;
  action?: { label: string; onClick(): void };
}): ReactElement {
  const hint = props.hints ? props.hints[props.error.code] : HINTS[props.error.code];
  return (
    <div className="error-panel" role="alert">
      <h2>{props.error.message}</h2>
      {hint && <p>{hint}</p>}
      <div className="actions">
        {props.canGoUp !== false && (
          <button type="button" onClick={props.onGoUp}>
            Go up
          </button>
        )}
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
        {props.action && (
          <button type="button" onClick={props.action.onClick}>
            {props.action.label}
          </button>
        )}
      </div>
    </div>
  );
}
