import { useId, useState, type ReactElement } from 'react';
import { DEFAULT_PARALLELISM, MAX_PARALLELISM } from '../../../src-shared/model/task';
import { formatCount } from '../../components/file-browser/format';
import { OptionFrame } from './option-field';

/*
 * The two numeric options. Each keeps the text being typed locally and hands the task a number
 * only when the text is valid; otherwise it reports the problem, which keeps Save disabled.
 */

/** Bytes in the "MB" the field speaks (decimal, as network speeds are quoted). */
const MB = 1_000_000;
const MIN_MBPS = 0.01;

/** BytesPerSecond: Unlimited, or a limit in MB/s. */
export function BandwidthField(props: {
  value: number;
  onChange: (bytesPerSecond: number) => void;
  onProblem: (message: string | undefined) => void;
}): ReactElement {
  const labelId = useId();
  const groupName = useId();
  const errorId = useId();
  const [limited, setLimited] = useState(props.value !== -1);
  const [text, setText] = useState(props.value === -1 ? '10' : String(props.value / MB));
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const report = (message: string | undefined): void => {
    setProblem(message);
    props.onProblem(message);
  };
  const apply = (nextLimited: boolean, nextText: string): void => {
    if (!nextLimited) {
      report(undefined);
      props.onChange(-1);
      return;
    }
    const mbps = Number(nextText.trim().replace(',', '.'));
    if (nextText.trim() === '' || !Number.isFinite(mbps) || mbps < MIN_MBPS) {
      report(`Enter a limit of at least ${MIN_MBPS} MB/s, or choose Unlimited.`);
      return;
    }
    report(undefined);
    props.onChange(Math.round(mbps * MB));
  };

  return (
    <OptionFrame
      labelId={labelId}
      label="Bandwidth limit"
      dataSyncName="BytesPerSecond"
      explanation="Cap how fast data moves, to leave room on a shared link. Changeable while a run is in progress."
      defaultText="Unlimited"
      changed={props.value !== -1 || limited}
      onReset={() => {
        setLimited(false);
        apply(false, text);
      }}
      error={problem}
      errorId={errorId}
    >
      <div className="option-radios" role="radiogroup" aria-labelledby={labelId}>
        <label>
          <input
            type="radio"
            name={groupName}
            checked={!limited}
            onChange={() => {
              setLimited(false);
              apply(false, text);
            }}
          />
          Unlimited
        </label>
        <label>
          <input
            type="radio"
            name={groupName}
            checked={limited}
            onChange={() => {
              setLimited(true);
              apply(true, text);
            }}
          />
          Limit to
        </label>
        <input
          className="option-number"
          type="number"
          inputMode="decimal"
          min={MIN_MBPS}
          step="any"
          aria-label="Bandwidth limit in MB/s"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : undefined}
          disabled={!limited}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            apply(true, event.target.value);
          }}
        />
        <span>MB/s</span>
      </div>
      {limited && !problem && props.value > 0 && (
        <p className="option-explanation">= {formatCount(props.value)} bytes per second</p>
      )}
    </OptionFrame>
  );
}

/** Parallelism: how many files move at once, 1 to MAX_PARALLELISM. */
export function ParallelismField(props: {
  value: number;
  onChange: (parallelism: number) => void;
  onProblem: (message: string | undefined) => void;
}): ReactElement {
  const id = useId();
  const errorId = useId();
  const [text, setText] = useState(String(props.value));
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const apply = (nextText: string): void => {
    setText(nextText);
    const n = Number(nextText);
    const message =
      Number.isInteger(n) && n >= 1 && n <= MAX_PARALLELISM && nextText.trim() !== ''
        ? undefined
        : `Enter a whole number from 1 to ${MAX_PARALLELISM}.`;
    setProblem(message);
    props.onProblem(message);
    if (!message) props.onChange(n);
  };

  return (
    <OptionFrame
      controlId={id}
      label="Files at once"
      dataSyncName="Parallelism"
      explanation="How many files move at the same time. More helps with many small files or a distant server."
      defaultText={String(DEFAULT_PARALLELISM)}
      changed={text !== String(DEFAULT_PARALLELISM)}
      onReset={() => apply(String(DEFAULT_PARALLELISM))}
      error={problem}
      errorId={errorId}
    >
      <input
        id={id}
        className="option-number"
        type="number"
        min={1}
        max={MAX_PARALLELISM}
        step={1}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? errorId : undefined}
        value={text}
        onChange={(event) => apply(event.target.value)}
      />
    </OptionFrame>
  );
}
