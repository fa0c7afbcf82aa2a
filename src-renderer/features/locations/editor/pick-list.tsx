import { useRef, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../../src-shared/errors';
import type { Result } from '../../../../src-shared/ipc/result';

/*
 * "List buckets" / "List exports": a button that asks main for the choices, and the list they
 * come back as, to pick one with a click or the keyboard. Typing the name stays possible: a
 * list that cannot be had (no permission to list) says so and leaves the field to the user.
 */

export interface PickItem {
  value: string;
  /** A second line: who may mount an export... */
  detail?: string;
}

type PickState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; items: PickItem[] }
  | { status: 'failed'; error: ErrorInfo };

export interface PickList {
  state: PickState;
  run(): void;
  close(): void;
}

/** The state of one pick list; `load` asks main, `explain` words its errors. */
export function usePickList(load: () => Promise<Result<PickItem[]>>): PickList {
  const [state, setState] = useState<PickState>({ status: 'idle' });
  const latest = useRef(0);
  return {
    state,
    run: () => {
      const request = ++latest.current;
      setState({ status: 'loading' });
      void load().then((result) => {
        if (request !== latest.current) return;
        setState(
          result.ok
            ? { status: 'done', items: result.value }
            : { status: 'failed', error: result.error },
        );
      });
    },
    close: () => {
      latest.current++;
      setState({ status: 'idle' });
    },
  };
}

/** The button that fills the list. */
export function PickButton(props: {
  list: PickList;
  label: string;
  /** Why the list cannot be asked for yet (e.g. no server typed), shown as the button's title. */
  disabledReason?: string | null;
}): ReactElement {
  const loading = props.list.state.status === 'loading';
  return (
    <button
      type="button"
      className="btn"
      disabled={loading || Boolean(props.disabledReason)}
      title={props.disabledReason ?? undefined}
      onClick={props.list.run}
    >
      {loading ? 'Listing…' : props.label}
    </button>
  );
}

/** What the list found, to pick from; or why there is nothing. */
export function PickResults(props: {
  list: PickList;
  /** What the items are, for the list's name and the empty message: "buckets", "exports". */
  noun: string;
  current: string;
  onPick(value: string): void;
  /** The sentence for an error; main's message by default. */
  explain?(error: ErrorInfo): string;
}): ReactElement | null {
  const { state } = props.list;
  if (state.status === 'idle' || state.status === 'loading') return null;
  if (state.status === 'failed') {
    return (
      <div className="pick-results pick-error" role="alert">
        <span>{props.explain ? props.explain(state.error) : state.error.message}</span>
        <button type="button" className="btn btn-small" onClick={props.list.close}>
          Close
        </button>
      </div>
    );
  }
  return (
    <div className="pick-results">
      {state.items.length === 0 ? (
        <span className="pick-empty">No {props.noun} found.</span>
      ) : (
        <ul aria-label={`Available ${props.noun}`}>
          {state.items.map((item) => (
            <li key={item.value}>
              <button
                type="button"
                className={item.value === props.current ? 'pick-item current' : 'pick-item'}
                aria-pressed={item.value === props.current}
                onClick={() => {
                  props.onPick(item.value);
                  props.list.close();
                }}
              >
                <span className="mono">{item.value}</span>
                {item.detail && <span className="pick-detail">{item.detail}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="btn btn-small pick-close" onClick={props.list.close}>
        Close
      </button>
    </div>
  );
}
