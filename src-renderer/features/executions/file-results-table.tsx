import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type ReactElement, type ReactNode } from 'react';
import { formatBytes } from '../../components/file-browser/format';
import './file-results-table.css';

/** One row as the table draws it, whether it comes from live progress or the task report. */
export interface FileRow {
  path: string;
  size: number;
  /** The live state or the report action (the row's data-state). */
  state: string;
  badge: { label: string; className: string };
  /** 0..1 for a bar, 'indeterminate' for a moving one, null for none. */
  progress: number | 'indeterminate' | null;
  /** The fourth column's text when there is no bar (the checksum in a report). */
  extra: string | null;
  /** Why it was skipped or failed. */
  reason: string | null;
}

interface FileResultsTableProps {
  label: string;
  /** The fourth column's title: "Progress" live, "Checksum" in a report. */
  fourthColumn: string;
  count: number;
  /** Changes when rows changed without `count` changing (in-place updates, pages arriving). */
  version: number;
  rowAt(index: number): FileRow | undefined;
  /** The rows in view changed (inclusive indexes, overscan included). */
  onRangeChange?(first: number, last: number): void;
  /**
   * A row's React key. Live rows are keyed by path, so following the run moves the window over
   * the same DOM rows instead of rebuilding all of them (a report can list a path twice).
   */
  rowKey?(row: FileRow, index: number): string;
  /** Keep this row at the top of the view (the run's first unfinished file); null: stay put. */
  followIndex: number | null;
  /** The user scrolled by hand (wheel, keys, pointer): following should stop. */
  onUserScroll?(): void;
  empty: ReactNode;
}

const ROW_HEIGHT = 32;
const SCROLL_KEYS = new Set(['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' ']);

/**
 * The per-file table: a virtualized list with table roles, so only the rows in view exist in the
 * DOM and 100,000 files scroll like 10. Rows not fetched yet show a placeholder.
 */
export function FileResultsTable(props: FileResultsTableProps): ReactElement {
  const { count, followIndex, onRangeChange, onUserScroll } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (last >= 0) onRangeChange?.(first, last);
  }, [first, last, onRangeChange]);

  useEffect(() => {
    const el = scrollRef.current;
    if (followIndex === null || count === 0 || !el) return;
    // A row of context above the first unfinished file. Rows have a fixed height, so the offset
    // is known without measuring (virtualizer.scrollToIndex would force a layout every frame).
    const top = Math.max(0, Math.min(followIndex, count - 1) - 1) * ROW_HEIGHT;
    if (Math.abs(el.scrollTop - top) >= 1) el.scrollTop = top;
  }, [followIndex, count]);

  const onKeyDown = (event: KeyboardEvent): void => {
    if (SCROLL_KEYS.has(event.key)) onUserScroll?.();
  };

  return (
    <div
      className={`xf-table${count === 0 ? ' xf-table-empty' : ''}`}
      role="table"
      aria-label={props.label}
      aria-rowcount={count + 1}
    >
      <div className="xf-row xf-header" role="row" aria-rowindex={1}>
        <div role="columnheader" className="xf-cell">
          Path
        </div>
        <div role="columnheader" className="xf-cell xf-size">
          Size
        </div>
        <div role="columnheader" className="xf-cell">
          State
        </div>
        <div role="columnheader" className="xf-cell">
          {props.fourthColumn}
        </div>
        <div role="columnheader" className="xf-cell">
          Reason
        </div>
      </div>
      <div
        className="xf-body"
        ref={scrollRef}
        role="rowgroup"
        tabIndex={0}
        aria-label={`${props.label}, rows`}
        onWheel={onUserScroll}
        onPointerDown={onUserScroll}
        onKeyDown={onKeyDown}
      >
        {count === 0 ? (
          <div className="xf-empty">{props.empty}</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = props.rowAt(item.index);
              // Placed with top rather than a transform: transformed rows over animated bars
              // made the compositor test every row for overlap on each frame.
              const style = { top: item.start, height: ROW_HEIGHT };
              if (!row) {
                return (
                  <div
                    key={`loading-${item.index}`}
                    className="xf-row xf-loading"
                    role="row"
                    aria-rowindex={item.index + 2}
                    style={style}
                  >
                    <div role="cell" className="xf-cell">
                      Loading…
                    </div>
                  </div>
                );
              }
              return (
                <div
                  key={props.rowKey ? props.rowKey(row, item.index) : `${item.index}:${row.path}`}
                  className={`xf-row xf-state-${row.state}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  data-testid="execution-file-row"
                  data-path={row.path}
                  data-state={row.state}
                  style={style}
                >
                  <div role="cell" className="xf-cell xf-path" title={row.path}>
                    {row.path}
                  </div>
                  <div role="cell" className="xf-cell xf-size">
                    {formatBytes(row.size)}
                  </div>
                  <div role="cell" className="xf-cell">
                    <span className={row.badge.className}>{row.badge.label}</span>
                  </div>
                  <div role="cell" className="xf-cell">
                    <FourthCell row={row} />
                  </div>
                  <div role="cell" className="xf-cell xf-reason" title={row.reason ?? undefined}>
                    {row.reason ?? ''}
                  </div>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}

function FourthCell({ row }: { row: FileRow }): ReactElement {
  if (row.progress === null) {
    return (
      <span className="xf-extra" title={row.extra ?? undefined}>
        {row.extra ?? ''}
      </span>
    );
  }
  if (row.progress === 'indeterminate') {
    return (
      <span className="xf-progress">
        <span className="xf-bar indeterminate" aria-label="Verifying" role="progressbar">
          <span className="xf-bar-fill" />
        </span>
      </span>
    );
  }
  const percent = Math.min(100, Math.floor(row.progress * 100));
  return (
    <span className="xf-progress">
      <span
        className="xf-bar"
        role="progressbar"
        aria-label={`${row.path} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span className="xf-bar-fill" style={{ width: `${percent}%` }} />
      </span>
      <span className="xf-percent">{percent}%</span>
    </span>
  );
}
