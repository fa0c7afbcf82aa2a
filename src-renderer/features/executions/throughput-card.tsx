import type { ReactElement } from 'react';
import { ThroughputChart } from '../../components/chart/throughput-chart';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import { throughputSeries, useExecutionsStore, type LiveInfo } from '../../stores/executions-store';
import { BandwidthControl } from './bandwidth-control';
import { formatRate, isActive } from './execution-format';

/**
 * Throughput over time (samples from progress events, kept by the store) with the current rate,
 * and while the run is in progress the bandwidth limit control.
 */
export function ThroughputCard(props: {
  record: ExecutionRecord;
  live: LiveInfo | undefined;
}): ReactElement {
  const { record, live } = props;
  const active = isActive(record);
  useExecutionsStore((s) => s.frame); // new samples arrive with frames
  const series = throughputSeries(record.id);
  const samples = series?.times.length ?? 0;
  const transferMs = record.phases.TRANSFERRING.durationMs;
  const average =
    transferMs && transferMs > 0 ? (record.counters.BytesTransferred * 1000) / transferMs : null;

  return (
    <section className="card exec-chart" aria-label="Throughput">
      <div className="card-head">
        <h2>Throughput</h2>
        <span className="card-head-value" data-testid="throughput-now">
          {active
            ? formatRate(live?.throughput ?? 0)
            : average !== null
              ? `${formatRate(average)} average`
              : ''}
        </span>
      </div>
      {series && samples > 1 ? (
        <ThroughputChart
          times={series.times}
          values={series.values}
          version={series.times[samples - 1] ?? 0}
          formatRate={formatRate}
          height={170}
          label={`Throughput over time, latest ${formatRate(series.values[samples - 1] ?? 0)}`}
        />
      ) : (
        <div className="chart-empty">
          {active
            ? 'The chart starts with the first progress update.'
            : record.phases.TRANSFERRING.startedAt === null
              ? 'No data was transferred in this run.'
              : 'Throughput over time is drawn while DataFerry shows a run in progress; this run was not watched in this window.'}
        </div>
      )}
      {active && record.status !== 'CANCELLING' && <BandwidthControl record={record} />}
    </section>
  );
}
