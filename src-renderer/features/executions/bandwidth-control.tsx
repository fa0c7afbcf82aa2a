import { useId, useState, type FormEvent, type ReactElement } from 'react';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import { invoke } from '../../lib/api-client';
import { mergeExecutionRecord } from '../../stores/executions-store';
import { formatLimit, MB } from './execution-format';

/** The limits offered in the select, in MB/s (decimal: 1 MB/s = 1,000,000 bytes per second). */
const PRESETS_MB = [1, 5, 10, 50, 100];
/** The smallest custom limit; the engine accepts 1024 B/s and more. */
const MIN_CUSTOM_MB = 0.01;

function isPreset(bytesPerSecond: number): boolean {
  return bytesPerSecond < 0 || PRESETS_MB.includes(bytesPerSecond / MB);
}

/** The select's value for a limit: 'unlimited', a preset's MB/s, or 'current' (another limit). */
function selectValueFor(bytesPerSecond: number): string {
  if (bytesPerSecond < 0) return 'unlimited';
  return isPreset(bytesPerSecond) ? String(bytesPerSecond / MB) : 'current';
}

/**
 * BytesPerSecond while the run is in progress: a select of common limits and a custom value in
 * MB/s, applied at once to every transfer of the execution (executions:set-bandwidth).
 */
export function BandwidthControl(props: { record: ExecutionRecord }): ReactElement {
  const { record } = props;
  const inForce = record.bytesPerSecond;
  const [choice, setChoice] = useState<string | null>(null);
  const [custom, setCustom] = useState(() => (inForce > 0 ? String(inForce / MB) : '10'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();
  const value = choice ?? selectValueFor(inForce);

  const apply = async (bytesPerSecond: number): Promise<void> => {
    setBusy(true);
    setError(null);
    const result = await invoke('executions:set-bandwidth', { id: record.id, bytesPerSecond });
    setBusy(false);
    if (!result.ok) {
      setError(`Could not change the limit: ${result.error.message}`);
      return;
    }
    mergeExecutionRecord(result.value);
    setChoice(null);
  };

  const onSelect = (next: string): void => {
    if (next === 'custom' || next === 'current') {
      setChoice(next === 'custom' ? 'custom' : null);
      return;
    }
    setChoice(next);
    void apply(next === 'unlimited' ? -1 : Number(next) * MB);
  };

  const customMb = Number(custom);
  const customValid =
    custom.trim() !== '' && Number.isFinite(customMb) && customMb >= MIN_CUSTOM_MB;
  const onCustom = (event: FormEvent): void => {
    event.preventDefault();
    if (customValid) void apply(Math.round(customMb * MB));
  };

  return (
    <div className="bandwidth">
      <div className="bandwidth-row">
        <label htmlFor={selectId}>Bandwidth limit</label>
        <select
          id={selectId}
          value={value}
          disabled={busy}
          onChange={(event) => onSelect(event.target.value)}
        >
          <option value="unlimited">Unlimited</option>
          {!isPreset(inForce) && <option value="current">{formatLimit(inForce)}</option>}
          {PRESETS_MB.map((mb) => (
            <option key={mb} value={String(mb)}>
              {mb} MB/s
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
        {value === 'custom' && (
          <form className="bandwidth-custom" onSubmit={onCustom}>
            <input
              type="number"
              aria-label="Custom limit in MB/s"
              min={MIN_CUSTOM_MB}
              step="any"
              value={custom}
              aria-invalid={!customValid}
              onChange={(event) => setCustom(event.target.value)}
            />
            <span className="unit">MB/s</span>
            <button type="submit" className="btn btn-small" disabled={busy || !customValid}>
              Apply
            </button>
          </form>
        )}
        <span className="bandwidth-in-force" data-testid="bandwidth-in-force">
          In force: <strong>{formatLimit(inForce)}</strong>
        </span>
      </div>
      {value === 'custom' && !customValid && (
        <p className="field-error">The limit is a number of at least {MIN_CUSTOM_MB} MB/s.</p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
