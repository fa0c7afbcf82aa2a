import { useEffect, useId, useRef, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { LocationSecrets } from '../../../src-shared/model/location-config';
import { MAX_PRESET_FILE_BYTES, type PresetImportResult } from '../../../src-shared/model/preset';
import { formatBytes } from '../../components/file-browser/format';
import { navigate } from '../../stores/nav-store';
import { useTasksStore } from '../../stores/tasks-store';

/*
 * "Import preset…": a hidden file input (labelled, so assistive tech and tests find it) opened by
 * the header button, the menu and Ctrl+O; the file is read here, checked for size, and handed to
 * main, which validates it whole. The outcome stays on screen until dismissed.
 */

type Outcome = { ok: true; value: PresetImportResult } | { ok: false; error: ErrorInfo };

const SECRET_WORDS: Record<keyof LocationSecrets, string> = {
  password: 'password',
  secretAccessKey: 'secret access key',
};

/** The file input, its opener and the outcome notice of a preset import. */
export function usePresetImport(): {
  open: () => void;
  input: ReactElement;
  notice: ReactElement | null;
} {
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const importRequested = useTasksStore((s) => s.importRequested);

  const open = (): void => inputRef.current?.click();

  useEffect(() => {
    if (!importRequested) return;
    useTasksStore.getState().clearImportRequest();
    inputRef.current?.click();
  }, [importRequested]);

  const onFile = async (file: File): Promise<void> => {
    if (file.size > MAX_PRESET_FILE_BYTES) {
      setOutcome({
        ok: false,
        error: {
          code: 'invalid-input',
          message:
            `"${file.name}" is ${formatBytes(file.size)}: a preset file is a few KiB and at most ` +
            `${formatBytes(MAX_PRESET_FILE_BYTES)}, so this is not one. Nothing was imported.`,
        },
      });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const content = await file.text();
      setOutcome(await useTasksStore.getState().importPreset(content));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      setOutcome({
        ok: false,
        error: { code: 'unknown', message: `Could not read "${file.name}": ${why}` },
      });
    } finally {
      setBusy(false);
    }
  };

  const input = (
    <>
      <label htmlFor={inputId} className="visually-hidden">
        Preset file to import
      </label>
      <input
        ref={inputRef}
        id={inputId}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        tabIndex={-1}
        disabled={busy}
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Cleared so that choosing the same file again fires a change.
          event.target.value = '';
          if (file) void onFile(file);
        }}
      />
    </>
  );

  let notice: ReactElement | null = null;
  if (busy) {
    notice = (
      <p className="notice" role="status">
        Importing the preset…
      </p>
    );
  } else if (outcome) {
    notice = (
      <ImportNotice
        outcome={outcome}
        onDismiss={() => setOutcome(null)}
        onRetry={outcome.ok ? null : open}
      />
    );
  }
  return { open, input, notice };
}

function ImportNotice(props: {
  outcome: Outcome;
  onDismiss: () => void;
  onRetry: (() => void) | null;
}): ReactElement {
  const { outcome } = props;
  if (!outcome.ok) {
    return (
      <div className="notice notice-error tasks-notice" role="alert">
        <div>
          <strong>The preset was not imported.</strong> {outcome.error.message}
        </div>
        <div className="tasks-notice-actions">
          {props.onRetry && (
            <button type="button" className="btn btn-small" onClick={props.onRetry}>
              Choose another file…
            </button>
          )}
          <button type="button" className="btn btn-small" onClick={props.onDismiss}>
            Dismiss
          </button>
        </div>
      </div>
    );
  }
  const { task, needSecrets } = outcome.value;
  return (
    <div className="notice notice-ok tasks-notice" role="status">
      <div>
        <strong>Imported task “{task.name}”.</strong>
        {needSecrets.length === 0 ? (
          ' It is ready to run.'
        ) : (
          <ul className="tasks-secrets">
            {needSecrets.map((need) => (
              <li key={need.locationId}>
                Enter the {need.secrets.map((s) => SECRET_WORDS[s]).join(' and ')} of location{' '}
                <button
                  type="button"
                  className="tasks-link"
                  onClick={() => navigate({ view: 'location-editor', locationId: need.locationId })}
                >
                  {need.name}
                </button>{' '}
                (a preset never carries secrets).
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="tasks-notice-actions">
        <button type="button" className="btn btn-small" onClick={props.onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
