import { useMemo, useState, type FormEvent, type ReactElement } from 'react';
import { describeNetworkMount, type NetworkMount } from '../../../src-shared/model/entry';
import { Breadcrumbs } from '../../components/file-browser/breadcrumbs';
import { FileTable } from '../../components/file-browser/file-table';
import { formatBytes, formatCount } from '../../components/file-browser/format';
import { ArrowIcon, RefreshIcon } from '../../components/icons';
import { joinPath } from '../../lib/os-path';
import { isFolder, sortEntries, useBrowserStore } from '../../stores/browser-store';
import { ErrorPanel } from './error-panel';

/**
 * The local folder browser: toolbar, breadcrumbs, the entries table and a status line. Folder
 * rows can be dragged onto a task's Source or Destination.
 */
export function BrowseView(): ReactElement {
  const state = useBrowserStore();
  const entries = useMemo(
    () => sortEntries(state.listing?.entries ?? [], state.sort),
    [state.listing, state.sort],
  );

  return (
    <section className="browse" aria-label="Local folder browser">
      <div className="toolbar">
        <button
          type="button"
          className="tool"
          title="Back (Alt+Left)"
          aria-label="Back"
          disabled={state.back.length === 0}
          onClick={() => void state.goBack()}
        >
          <ArrowIcon direction="left" />
        </button>
        <button
          type="button"
          className="tool"
          title="Enclosing folder (Alt+Up)"
          aria-label="Up"
          disabled={state.path === null || state.listing?.parent === null}
          onClick={() => void state.goUp()}
        >
          <ArrowIcon direction="up" />
        </button>
        <button
          type="button"
          className="tool"
          title="Refresh (F5)"
          aria-label="Refresh"
          disabled={state.path === null}
          onClick={() => void state.refresh()}
        >
          <RefreshIcon />
        </button>
        <PathField
          key={state.path ?? ''}
          path={state.path ?? ''}
          onOpen={(p) => void state.open(p)}
        />
        <label className="toggle">
          <input
            type="checkbox"
            checked={state.showHidden}
            onChange={() => void state.toggleHidden()}
          />
          Hidden files
        </label>
      </div>
      {state.path && (
        <div className="location-bar">
          <Breadcrumbs path={state.path} onOpen={(p) => void state.open(p)} />
          {state.listing?.networkMount && <NetworkMountBadge mount={state.listing.networkMount} />}
        </div>
      )}
      <div className="browse-body" aria-busy={state.loading}>
        {state.error ? (
          <ErrorPanel
            error={state.error}
            onGoUp={() => void state.goUp()}
            onRetry={() => void state.refresh()}
          />
        ) : state.listing ? (
          <FileTable
            entries={entries}
            sort={state.sort}
            onSort={state.sortBy}
            isFolder={isFolder}
            onOpen={(entry) =>
              state.listing && void state.open(joinPath(state.listing.path, entry.name))
            }
            onGoUp={() => void state.goUp()}
            dragFolder={(entry) => {
              if (!state.listing) return null;
              const path = joinPath(state.listing.path, entry.name);
              return { kind: 'local', path, label: path };
            }}
          />
        ) : (
          <div className="placeholder">Loading…</div>
        )}
      </div>
      <StatusLine />
    </section>
  );
}

/** Says the folder is on an OS-mounted NFS export or SMB share ("NFS mount · server:/export"). */
function NetworkMountBadge(props: { mount: NetworkMount }): ReactElement {
  const { mount } = props;
  return (
    <span
      className="network-mount"
      data-testid="network-mount"
      title={`This folder is on ${mount.source}, mounted by the system at ${mount.mountPoint}`}
    >
      {describeNetworkMount(mount)}
    </span>
  );
}

function PathField(props: { path: string; onOpen(path: string): void }): ReactElement {
  const [value, setValue] = useState(props.path);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = value.trim();
    if (trimmed) props.onOpen(trimmed);
  };
  return (
    <form className="path-field" onSubmit={submit} role="search">
      <input
        aria-label="Folder path"
        spellCheck={false}
        value={value}
        onChange={(event) => setValue(event.target.value)}
      />
    </form>
  );
}

function StatusLine(): ReactElement {
  const listing = useBrowserStore((s) => s.listing);
  const loading = useBrowserStore((s) => s.loading);
  if (!listing) return <footer className="status-line">{loading ? 'Reading folder…' : ''}</footer>;
  const folders = listing.entries.filter(isFolder).length;
  const files = listing.entries.length - folders;
  const bytes = listing.entries.reduce((sum, e) => sum + (e.kind === 'file' ? e.size : 0), 0);
  return (
    <footer className="status-line" data-testid="status-line">
      {formatCount(listing.entries.length)} items: {formatCount(folders)} folders,{' '}
      {formatCount(files)} files, {formatBytes(bytes)}
      {listing.skipped > 0 && (
        <span className="warn"> · {formatCount(listing.skipped)} could not be read</span>
      )}
      {loading && <span> · refreshing…</span>}
    </footer>
  );
}
