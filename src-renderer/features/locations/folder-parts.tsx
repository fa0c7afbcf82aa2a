import type { ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { Entry } from '../../../src-shared/model/entry';
import { FileTable, type Column } from '../../components/file-browser/file-table';
import { formatBytes, formatCount } from '../../components/file-browser/format';
import type { DraggedFolder } from '../../lib/drag-folder';
import type { PathSegment } from '../../lib/os-path';
import { isFolder } from '../../stores/browser-store';
import { ErrorPanel } from '../browse/error-panel';
import type { LocationFolder } from './use-location-folder';

/* The pieces every location browser shows under its toolbar: the table (or why there is none)
 * and the status line. The full page and the side pane arrange them differently. */

/** What a remote location's errors mean for the user, replacing the local browser's hints. */
export const LOCATION_HINTS: Partial<Record<ErrorInfo['code'], string>> = {
  'not-found':
    'This folder does not exist (any more), or the share, bucket or export itself is gone.',
  'permission-denied': "The location's account is not allowed to read this folder.",
  'not-dir': 'This path is a file, not a folder.',
  'auth-failed': 'The server refused the saved credentials: edit the location to type them again.',
  unavailable:
    'The server did not answer: check that it is running and reachable from this computer.',
  timeout: 'The server took too long to answer: it may be overloaded, or the network slow.',
  'invalid-config': "The location's settings cannot be used as they are: edit the location.",
  'invalid-name': 'This folder has a name that cannot be used here.',
};

/** The breadcrumb trail of a folder inside a location: its name first, then each folder. */
export function locationSegments(rootLabel: string, path: string): PathSegment[] {
  const segments: PathSegment[] = [{ label: rootLabel, path: '' }];
  let acc = '';
  for (const part of path.split('/').filter((p) => p !== '')) {
    acc = acc === '' ? part : `${acc}/${part}`;
    segments.push({ label: part, path: acc });
  }
  return segments;
}

/** The folder's table, or its error with the ways out, or "Loading…". */
export function FolderBody(props: {
  folder: LocationFolder;
  dragFolder?(entry: Entry): DraggedFolder | null;
  columns?: readonly Column[];
  /** True for a saved location: errors are explained as a remote server's. */
  remote: boolean;
  errorAction?: { label: string; onClick(): void };
}): ReactElement {
  const { folder } = props;
  return (
    <div className="browse-body" aria-busy={folder.loading}>
      {folder.error ? (
        <ErrorPanel
          error={folder.error}
          hints={props.remote ? LOCATION_HINTS : undefined}
          canGoUp={folder.parentPath !== null}
          onGoUp={folder.up}
          onRetry={folder.refresh}
          action={props.errorAction}
        />
      ) : folder.listing ? (
        <FileTable
          entries={folder.entries}
          sort={folder.sort}
          onSort={folder.sortBy}
          isFolder={isFolder}
          onOpen={folder.openEntry}
          onGoUp={folder.up}
          dragFolder={props.dragFolder}
          columns={props.columns}
        />
      ) : (
        <div className="placeholder">{folder.path === null ? '' : 'Loading…'}</div>
      )}
    </div>
  );
}

/** "1,204 items: 12 folders, 1,192 files, 3.4 GiB", and what could not be shown. */
export function FolderStatus(props: { folder: LocationFolder }): ReactElement {
  const { listing, loading } = props.folder;
  if (!listing) {
    return <footer className="status-line">{loading ? 'Reading folder…' : ''}</footer>;
  }
  let folders = 0;
  let bytes = 0;
  let problems = 0;
  for (const entry of listing.entries) {
    if (isFolder(entry)) folders++;
    else if (entry.kind === 'file') bytes += entry.size;
    if (entry.problem) problems++;
  }
  const files = listing.entries.length - folders;
  return (
    <footer className="status-line" aria-live="polite">
      {counted(listing.entries.length, 'item')}: {counted(folders, 'folder')},{' '}
      {counted(files, 'file')}, {formatBytes(bytes)}
      {problems > 0 && (
        <span className="warn">
          {' '}
          · {formatCount(problems)} cannot be transferred (hover for why)
        </span>
      )}
      {listing.skipped > 0 && (
        <span className="warn"> · {formatCount(listing.skipped)} could not be read</span>
      )}
      {loading && <span> · refreshing…</span>}
    </footer>
  );
}

/** "1 file", "2 files", "1,234 files". */
function counted(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}
