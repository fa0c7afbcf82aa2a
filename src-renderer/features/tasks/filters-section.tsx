import { useEffect, useId, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { FilterPreview } from '../../../src-shared/model/preset';
import { formatBytes, formatCount } from '../../components/file-browser/format';
import { invoke } from '../../lib/api-client';
import { joinPatterns } from './task-format';

/** How long typing must pause before the source is walked again. */
export const PREVIEW_DEBOUNCE_MS = 400;

type PreviewState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'done'; preview: FilterPreview }
  | { kind: 'failed'; error: ErrorInfo };

/**
 * Include and Exclude patterns (one per line; DataSync joins them with `|`) and a live preview
 * of how many of the source's files they let through.
 */
export function FiltersSection(props: {
  sourceLocationId: string;
  includes: string;
  excludes: string;
  onChange: (patch: { includes?: string; excludes?: string }) => void;
  errors: { includes?: string; excludes?: string };
}): ReactElement {
  const preview = useFilterPreview(props.sourceLocationId, props.includes, props.excludes);
  return (
    <section className="editor-section" aria-labelledby="filters-title">
      <h2 id="filters-title">Filters</h2>
      <div className="card filters-card">
        <p className="option-explanation filters-intro">
          Patterns are relative to the source’s root, one per line; <code>*</code> matches any
          characters and <code>/dir</code> matches that folder and everything in it. DataSync writes
          them joined with <code>|</code>, for example <code>/photos/*|*.tmp</code>.
        </p>
        <div className="filters-grid">
          <PatternField
            label="Include"
            hint="Only these move. Leave empty to include everything."
            placeholder={'/photos\n/documents/*.pdf'}
            value={props.includes}
            error={props.errors.includes}
            onChange={(includes) => props.onChange({ includes })}
          />
          <PatternField
            label="Exclude"
            hint="These never move, even when included."
            placeholder={'*.tmp\n/cache'}
            value={props.excludes}
            error={props.errors.excludes}
            onChange={(excludes) => props.onChange({ excludes })}
          />
        </div>
        <PreviewLine state={preview} hasSource={props.sourceLocationId !== ''} />
      </div>
    </section>
  );
}

function PatternField(props: {
  label: string;
  hint: string;
  placeholder: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}): ReactElement {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={4}
        spellCheck={false}
        className="pattern-input"
        placeholder={props.placeholder}
        aria-describedby={hintId}
        aria-invalid={props.error ? true : undefined}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <span id={hintId} className={props.error ? 'error' : 'hint'}>
        {props.error ?? props.hint}
      </span>
    </div>
  );
}

function PreviewLine(props: { state: PreviewState; hasSource: boolean }): ReactElement {
  const { state } = props;
  let text: string;
  let className = 'filter-preview';
  if (!props.hasSource) {
    text = 'Choose a source to preview what the filters match.';
  } else if (state.kind === 'loading' || state.kind === 'idle') {
    text = 'Looking at the source’s files…';
  } else if (state.kind === 'failed') {
    text = `Cannot preview: ${state.error.message}`;
    className += ' error';
  } else {
    text = previewText(state.preview);
  }
  return (
    <p className={className} role="status" aria-live="polite">
      {text}
    </p>
  );
}

/** "1,234 of 5,678 files match (2.3 GiB)", or "at least …" when the walk stopped early. */
export function previewText(p: FilterPreview): string {
  const bytes = formatBytes(p.matchedBytes);
  const files = p.examinedFiles === 1 ? 'file' : 'files';
  if (p.complete) {
    return `${formatCount(p.matchedFiles)} of ${formatCount(p.examinedFiles)} ${files} match (${bytes})`;
  }
  return (
    `At least ${formatCount(p.matchedFiles)} of the first ${formatCount(p.examinedFiles)} ` +
    `${files} match (${bytes}): the source is large, so the preview stopped early`
  );
}

/** The preview for these patterns, asked again after each pause in typing; stale answers dropped. */
function useFilterPreview(
  sourceLocationId: string,
  includes: string,
  excludes: string,
): PreviewState {
  const [state, setState] = useState<PreviewState>({ kind: 'idle' });
  const joinedIncludes = joinPatterns(includes);
  const joinedExcludes = joinPatterns(excludes);

  useEffect(() => {
    if (sourceLocationId === '') return undefined;
    let live = true;
    setState({ kind: 'loading' });
    const timer = setTimeout(() => {
      void invoke('tasks:preview-filter', {
        sourceLocationId,
        includes: joinedIncludes,
        excludes: joinedExcludes,
      }).then((result) => {
        if (!live) return;
        setState(
          result.ok
            ? { kind: 'done', preview: result.value }
            : { kind: 'failed', error: result.error },
        );
      });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [sourceLocationId, joinedIncludes, joinedExcludes]);

  return state;
}
