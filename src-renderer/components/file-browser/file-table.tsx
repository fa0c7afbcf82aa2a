import { useVirtualizer } from '@tanstack/react-virtual';
import {
  useEffect,
  useRef,
  useState,
  type CSSProperties,
  type DragEvent,
  type KeyboardEvent,
  type ReactElement,
} from 'react';
import type { Entry } from '../../../src-shared/model/entry';
import { setDraggedFolder, type DraggedFolder } from '../../lib/drag-folder';
import { FileIcon, FolderIcon, LinkIcon } from '../icons';
import { describeKind, formatBytes, formatCount, formatDate } from './format';
import './file-table.css';

export type Column = 'name' | 'size' | 'kind' | 'mtime';

interface FileTableProps {
  entries: readonly Entry[];
  sort: { key: Column; descending: boolean };
  onSort(key: Column): void;
  /** Opens a folder (or a link to one). */
  onOpen(entry: Entry): void;
  onGoUp(): void;
  isFolder(entry: Entry): boolean;
  /**
   * Makes folder rows draggable: what a folder row carries when dragged onto a task slot
   * (null: this one cannot be dragged). Without it, no row is draggable.
   */
  dragFolder?(entry: Entry): DraggedFolder | null;
  /** The columns shown, in order (default: all four); a narrow pane shows fewer. */
  columns?: readonly Column[];
  /** The table's accessible name (default "Folder contents"). */
  label?: string;
}

const ROW_HEIGHT = 30;
const COLUMNS: { key: Column; label: string; width: string }[] = [
  { key: 'name', label: 'Name', width: 'minmax(120px, 1fr)' },
  { key: 'size', label: 'Size', width: '86px' },
  { key: 'kind', label: 'Kind', width: '130px' },
  { key: 'mtime', label: 'Modified', width: '190px' },
];

/**
 * The entries of a folder as a sortable, keyboard-driven table. Only the rows in view are in the
 * DOM, so a folder of 100,000 entries scrolls as smoothly as one of ten.
 */
export function FileTable(props: FileTableProps): ReactElement {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(0);
  const virtualizer = useVirtualizer({
    count: props.entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  useEffect(() => setSelected(0), [props.entries]);

  const columns = props.columns
    ? COLUMNS.filter((column) => props.columns?.includes(column.key))
    : COLUMNS;
  // Only a custom column set overrides the stylesheet's grid, so the Files view looks as before.
  const grid: CSSProperties | undefined = props.columns
    ? { gridTemplateColumns: columns.map((column) => column.width).join(' ') }
    : undefined;

  const onDragStart = (event: DragEvent, entry: Entry): void => {
    const folder = props.dragFolder?.(entry);
    if (folder) setDraggedFolder(event.dataTransfer, folder);
    else event.preventDefault();
  };

  const select = (index: number): void => {
    const clamped = Math.max(0, Math.min(props.entries.length - 1, index));
    setSelected(clamped);
    virtualizer.scrollToIndex(clamped);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: selected + 1,
      ArrowUp: selected - 1,
      PageDown: selected + page,
      PageUp: selected - page,
      Home: 0,
      End: props.entries.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      select(target);
    } else if (event.key === 'Enter') {
      const entry = props.entries[selected];
      if (entry && props.isFolder(entry)) props.onOpen(entry);
    } else if (event.key === 'Backspace') {
      event.preventDefault();
      props.onGoUp();
    }
  };

  return (
    <div
      className="file-table"
      role="table"
      aria-label={props.label ?? 'Folder contents'}
      aria-rowcount={props.entries.length + 1}
    >
      <div className="file-row file-header" role="row" style={grid}>
        {columns.map((column) => {
          const active = props.sort.key === column.key;
          return (
            <div
              key={column.key}
              role="columnheader"
              className={`cell cell-${column.key}`}
              aria-sort={active ? (props.sort.descending ? 'descending' : 'ascending') : 'none'}
            >
              <button type="button" onClick={() => props.onSort(column.key)}>
                {column.label}
                <span className="sort-mark" aria-hidden>
                  {active ? (props.sort.descending ? '▾' : '▴') : ''}
                </span>
              </button>
            </div>
          );
        })}
      </div>
      <div className="file-rows" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} role="rowgroup">
        {props.entries.length === 0 ? (
          <div className="empty-folder">This folder is empty.</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const entry = props.entries[item.index] as Entry;
              const folder = props.isFolder(entry);
              const draggable = folder && props.dragFolder !== undefined;
              const classes = ['file-row'];
              if (item.index === selected) classes.push('selected');
              if (folder) classes.push('is-folder');
              if (draggable) classes.push('is-draggable');
              if (entry.problem) classes.push('has-problem');
              return (
                <div
                  key={entry.name}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={item.index === selected}
                  data-testid="file-row"
                  data-name={entry.name}
                  className={classes.join(' ')}
                  style={{ ...grid, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  title={entry.problem ? `${entry.name}: ${entry.problem}` : undefined}
                  draggable={draggable || undefined}
                  onDragStart={draggable ? (event) => onDragStart(event, entry) : undefined}
                  onClick={() => setSelected(item.index)}
                  onDoubleClick={() => folder && props.onOpen(entry)}
                >
                  {columns.map((column) => (
                    <EntryCell
                      key={column.key}
                      column={column.key}
                      entry={entry}
                      folder={folder}
                      draggable={draggable}
                    />
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}

/** One cell of an entry's row. */
function EntryCell(props: {
  column: Column;
  entry: Entry;
  folder: boolean;
  draggable: boolean;
}): ReactElement {
  const { entry, folder } = props;
  switch (props.column) {
    case 'name':
      return (
        <div role="cell" className="cell cell-name" title={entry.problem ? undefined : entry.name}>
          {entry.kind === 'symlink' ? <LinkIcon /> : folder ? <FolderIcon /> : <FileIcon />}
          <span className="name">{entry.name}</span>
          {props.draggable && (
            <span className="drag-grip" aria-hidden title="Drag onto Source or Destination">
              ⠿
            </span>
          )}
          {entry.problem && (
            <span className="visually-hidden">(cannot be transferred: {entry.problem})</span>
          )}
        </div>
      );
    case 'size':
      return (
        <div
          role="cell"
          className="cell cell-size"
          data-bytes={entry.size}
          title={folder ? undefined : `${formatCount(entry.size)} bytes`}
        >
          {folder ? '—' : formatBytes(entry.size)}
        </div>
      );
    case 'kind':
      return (
        <div role="cell" className="cell cell-kind">
          {describeKind(entry)}
        </div>
      );
    case 'mtime':
      return (
        <div role="cell" className="cell cell-mtime">
          {/* Object storage has no dates for its folders (prefixes): none rather than 1970. */}
          {entry.mtimeMs > 0 ? formatDate(entry.mtimeMs) : '—'}
        </div>
      );
  }
}
