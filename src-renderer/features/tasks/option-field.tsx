import { useId, type ReactElement, type ReactNode } from 'react';

/**
 * The frame every option shares: its label and DataSync name, a one-line explanation, the
 * control, "DataSync default: X" with a Reset when changed, and a conflict next to it.
 */
export function OptionFrame(props: {
  /** The control's id, which the label points at; a group names itself with `labelId`. */
  controlId?: string;
  labelId?: string;
  label: string;
  dataSyncName: string;
  /** The current value as DataSync writes it, when it has a name (not for numbers). */
  dataSyncValue?: string;
  explanation: string;
  defaultText: string;
  changed: boolean;
  onReset: () => void;
  error: string | undefined;
  errorId: string;
  children: ReactNode;
}): ReactElement {
  return (
    <div className={props.error ? 'option has-error' : 'option'}>
      <div className="option-head">
        {props.controlId ? (
          <label htmlFor={props.controlId}>{props.label}</label>
        ) : (
          <span id={props.labelId} className="option-label">
            {props.label}
          </span>
        )}
        <code className="option-name" title="DataSync’s name and value">
          {props.dataSyncName}
          {props.dataSyncValue !== undefined && `=${props.dataSyncValue}`}
        </code>
      </div>
      <p className="option-explanation">{props.explanation}</p>
      {props.children}
      <p className="option-default">
        <span>DataSync default: {props.defaultText}</span>
        {props.changed && (
          <button
            type="button"
            className="tasks-link"
            aria-label={`Reset ${props.label} to the default`}
            onClick={props.onReset}
          >
            Reset
          </button>
        )}
      </p>
      {props.error && (
        <p id={props.errorId} className="error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** An option chosen from DataSync's values, in words, with `Name=VALUE` beside its label. */
export function ChoiceField<V extends string>(props: {
  label: string;
  dataSyncName: string;
  explanation: string;
  values: Record<V, string>;
  value: V;
  defaultValue: V;
  onChange: (value: V) => void;
  error: string | undefined;
}): ReactElement {
  const id = useId();
  const errorId = useId();
  const entries = Object.entries(props.values) as [V, string][];
  return (
    <OptionFrame
      controlId={id}
      label={props.label}
      dataSyncName={props.dataSyncName}
      dataSyncValue={props.value}
      explanation={props.explanation}
      defaultText={props.values[props.defaultValue]}
      changed={props.value !== props.defaultValue}
      onReset={() => props.onChange(props.defaultValue)}
      error={props.error}
      errorId={errorId}
    >
      <select
        id={id}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(event) => props.onChange(event.target.value as V)}
      >
        {entries.map(([value, words]) => (
          <option key={value} value={value}>
            {words}
          </option>
        ))}
      </select>
    </OptionFrame>
  );
}
