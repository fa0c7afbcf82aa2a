import type { ReactElement } from 'react';
import { defaultTaskOptions, type TaskOptions } from '../../../src-shared/model/task';
import {
  TASK_QUEUEING_INFO,
  WHAT_IS_CHECKED,
  WHAT_IS_KEPT,
  WHAT_MOVES,
  type ChoiceInfo,
} from './option-catalog';
import { ChoiceField } from './option-field';
import { BandwidthField, ParallelismField } from './speed-fields';
import type { FieldErrors } from './task-form';

const DEFAULTS = defaultTaskOptions();

/**
 * The task's options in four cards (what moves, what is kept, what is checked, how fast), each
 * explained, with its DataSync default and any conflict beside it.
 */
export function OptionsSection(props: {
  options: TaskOptions;
  onChange: (options: TaskOptions) => void;
  errors: FieldErrors;
  onProblem: (key: 'BytesPerSecond' | 'Parallelism', message: string | undefined) => void;
}): ReactElement {
  const set = <K extends keyof TaskOptions>(key: K, value: TaskOptions[K]): void =>
    props.onChange({ ...props.options, [key]: value });

  const choice = (info: ChoiceInfo): ReactElement => (
    <ChoiceField
      key={info.key}
      label={info.label}
      dataSyncName={info.key}
      explanation={info.explanation}
      values={info.values as Record<string, string>}
      value={props.options[info.key]}
      defaultValue={DEFAULTS[info.key]}
      onChange={(value) => set(info.key, value as TaskOptions[typeof info.key])}
      error={props.errors[info.key]}
    />
  );

  return (
    <section className="editor-section" aria-labelledby="options-title">
      <h2 id="options-title">Options</h2>
      <div className="options-grid">
        <OptionCard title="What moves">{WHAT_MOVES.map(choice)}</OptionCard>
        <OptionCard title="What is kept">{WHAT_IS_KEPT.map(choice)}</OptionCard>
        <OptionCard title="What is checked">{WHAT_IS_CHECKED.map(choice)}</OptionCard>
        <OptionCard title="How fast">
          <BandwidthField
            value={props.options.BytesPerSecond}
            onChange={(value) => set('BytesPerSecond', value)}
            onProblem={(message) => props.onProblem('BytesPerSecond', message)}
          />
          <ParallelismField
            value={props.options.Parallelism}
            onChange={(value) => set('Parallelism', value)}
            onProblem={(message) => props.onProblem('Parallelism', message)}
          />
          {choice(TASK_QUEUEING_INFO)}
        </OptionCard>
      </div>
    </section>
  );
}

function OptionCard(props: {
  title: string;
  children: ReactElement | ReactElement[] | (ReactElement | ReactElement[])[];
}): ReactElement {
  const id = `options-${props.title.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <section className="card option-card" aria-labelledby={id}>
      <h3 id={id}>{props.title}</h3>
      <div className="option-list">{props.children}</div>
    </section>
  );
}
