import { useEffect, useId, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import { invoke } from '../../lib/api-client';
import { describeCron, formatRunTime } from './task-format';

const QUICK_CHOICES = [
  { label: 'Hourly', cron: '0 * * * *' },
  { label: 'Daily at 02:00', cron: '0 2 * * *' },
  { label: 'Weekly, Sunday 02:00', cron: '0 2 * * 0' },
] as const;

const NEXT_RUNS_DEBOUNCE_MS = 300;

/** The next run times of the schedule being edited, as main answered them. */
export type NextRuns =
  { kind: 'loading' } | { kind: 'done'; times: number[] } | { kind: 'failed'; error: ErrorInfo };

/**
 * Off by default; when on, a cron expression with quick choices and the next five run times
 * main computes from it (which is also how an invalid expression is caught, with its reason).
 */
export function ScheduleSection(props: {
  on: boolean;
  cron: string;
  onChange: (patch: { scheduleOn?: boolean; cron?: string }) => void;
  /** From `useNextRuns`, kept by the editor, which also blocks Save on an invalid cron. */
  runs: NextRuns | null;
  error: string | undefined;
}): ReactElement {
  const toggleId = useId();
  const cronId = useId();
  const hintId = useId();
  const { runs } = props;
  const problem = props.error ?? (runs?.kind === 'failed' ? runs.error.message : undefined);

  return (
    <section className="editor-section" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      <div className="card schedule-card">
        <label className="schedule-toggle" htmlFor={toggleId}>
          <input
            id={toggleId}
            type="checkbox"
            checked={props.on}
            onChange={(event) => props.onChange({ scheduleOn: event.target.checked })}
          />
          Run on a schedule
          <span className="hint">
            {props.on
              ? 'Runs while DataFerry (the app or its web host) is running.'
              : 'Off: the task runs when you start it.'}
          </span>
        </label>
        {props.on && (
          <div className="schedule-body">
            <div className="field">
              <label htmlFor={cronId}>Cron expression</label>
              <div className="schedule-cron-row">
                <input
                  id={cronId}
                  className="schedule-cron"
                  spellCheck={false}
                  value={props.cron}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={hintId}
                  onChange={(event) => props.onChange({ cron: event.target.value })}
                />
                {QUICK_CHOICES.map((choice) => (
                  <button
                    key={choice.cron}
                    type="button"
                    className="btn btn-small"
                    aria-pressed={props.cron.trim() === choice.cron}
                    onClick={() => props.onChange({ cron: choice.cron })}
                  >
                    {choice.label}
                  </button>
                ))}
              </div>
              <span
                id={hintId}
                className={problem ? 'error' : 'hint'}
                role={problem ? 'alert' : undefined}
              >
                {problem ??
                  `minute hour day-of-month month day-of-week · ${describeCron(props.cron)}`}
              </span>
            </div>
            <NextRunList runs={runs} />
          </div>
        )}
      </div>
    </section>
  );
}

function NextRunList(props: { runs: NextRuns | null }): ReactElement | null {
  const { runs } = props;
  if (!runs || runs.kind === 'failed') return null;
  return (
    <div className="next-runs" aria-live="polite">
      <h3>Next runs</h3>
      {runs.kind === 'loading' ? (
        <p className="hint">Working them out…</p>
      ) : (
        <ol>
          {runs.times.map((at) => (
            <li key={at}>
              <time dateTime={new Date(at).toISOString()}>{formatRunTime(at)}</time>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The next 5 run times of `cron` ('' = none asked), after a pause in typing. */
export function useNextRuns(cron: string): NextRuns | null {
  const [runs, setRuns] = useState<NextRuns | null>(null);
  useEffect(() => {
    if (cron === '') {
      setRuns(null);
      return undefined;
    }
    let live = true;
    setRuns({ kind: 'loading' });
    const timer = setTimeout(() => {
      void invoke('tasks:next-runs', { cron, count: 5 }).then((result) => {
        if (!live) return;
        setRuns(
          result.ok
            ? { kind: 'done', times: result.value }
            : { kind: 'failed', error: result.error },
        );
      });
    }, NEXT_RUNS_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [cron]);
  return runs;
}
