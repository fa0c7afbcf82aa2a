import type { ReactElement } from 'react';
import { formatCount } from '../../components/file-browser/format';
import {
  isFinalStatus,
  PHASES,
  type ExecutionRecord,
  type Phase,
  type PhaseResult,
  type PhaseStatus,
} from '../../../src-shared/model/execution';
import { formatDuration, PHASE_STATUS_LABELS } from './execution-format';
import './phase-timeline.css';

const PHASE_TITLES: Record<Phase, string> = {
  LAUNCHING: 'Launching',
  PREPARING: 'Preparing',
  TRANSFERRING: 'Transferring',
  VERIFYING: 'Verifying',
};

const MARKS: Record<PhaseStatus, string> = {
  PENDING: '',
  RUNNING: '',
  SUCCESS: '✓',
  ERROR: '✗',
  CANCELLED: '■',
  SKIPPED: '–',
};

/**
 * DataSync's four phases as steps: each with its state (an animated ring while it runs), its
 * duration (counting while it runs) and a line on what it did.
 */
export function PhaseTimeline(props: { record: ExecutionRecord; now: number }): ReactElement {
  const { record, now } = props;
  const ended = isFinalStatus(record.status);
  return (
    <ol className="phase-timeline" aria-label="Phases">
      {PHASES.map((phase, index) => {
        const result = record.phases[phase];
        const label =
          result.status === 'PENDING' && ended ? 'Not run' : PHASE_STATUS_LABELS[result.status];
        const duration = phaseDuration(result, now);
        return (
          <li
            key={phase}
            className={`phase phase-${result.status.toLowerCase()}`}
            data-phase={phase}
            data-status={result.status}
            aria-current={result.status === 'RUNNING' ? 'step' : undefined}
          >
            <span className="phase-marker" aria-hidden>
              {result.status === 'PENDING' ? index + 1 : MARKS[result.status]}
            </span>
            <span className="phase-text">
              <span className="phase-name">{PHASE_TITLES[phase]}</span>
              <span className="phase-state">
                {label}
                {duration !== null && (
                  <>
                    {' · '}
                    <span className="phase-duration">{formatDuration(duration)}</span>
                  </>
                )}
              </span>
              <span className="phase-detail">{phaseDetail(phase, record)}</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function phaseDuration(result: PhaseResult, now: number): number | null {
  if (result.durationMs !== null) return result.durationMs;
  if (result.status === 'RUNNING' && result.startedAt !== null) return now - result.startedAt;
  return null;
}

/** One line on what the phase did (or is doing), from DataSync's counters. */
function phaseDetail(phase: Phase, record: ExecutionRecord): string {
  const c = record.counters;
  const status = record.phases[phase].status;
  if (status === 'PENDING' || (status === 'SKIPPED' && phase !== 'VERIFYING')) return '';
  switch (phase) {
    case 'LAUNCHING':
      if (status === 'RUNNING') return 'Connecting to both locations';
      return status === 'SUCCESS' ? 'Both locations reachable' : '';
    case 'PREPARING':
      return status !== 'SUCCESS'
        ? `${formatCount(c.FilesPrepared)} files compared`
        : `${formatCount(c.EstimatedFilesToTransfer)} to transfer` +
            (c.EstimatedFilesToDelete > 0
              ? `, ${formatCount(c.EstimatedFilesToDelete)} to delete`
              : '');
    case 'TRANSFERRING':
      return `${formatCount(c.FilesTransferred)} of ${formatCount(c.EstimatedFilesToTransfer)} files`;
    case 'VERIFYING':
      if (status === 'SKIPPED')
        return record.options?.VerifyMode === 'NONE' ? 'VerifyMode is NONE' : 'Not needed';
      return `${formatCount(c.FilesVerified)} files verified`;
  }
}
