import type { ReactElement } from 'react';
import { Breadcrumbs } from '../../components/file-browser/breadcrumbs';
import { ArrowIcon } from '../../components/icons';
import { FolderBody } from './folder-parts';
import { useLocationFolder } from './use-location-folder';

/**
 * A folder picker inside the page, over fs:list: for the web host, where there is no native
 * dialog (dialog:pick-folder answers not-supported). Double-click or Enter opens a folder; "Use
 * this folder" picks the one shown.
 */
export function FolderPicker(props: {
  start: string;
  onPick(path: string): void;
  onCancel(): void;
}): ReactElement {
  const folder = useLocationFolder({ kind: 'local', start: props.start });
  const current = folder.listing?.path ?? null;
  return (
    <div className="folder-picker" role="group" aria-label="Choose a folder">
      <div className="folder-picker-bar">
        <button
          type="button"
          className="tool"
          aria-label="Up"
          title="Enclosing folder"
          disabled={folder.parentPath === null}
          onClick={folder.up}
        >
          <ArrowIcon direction="up" />
        </button>
        {folder.path !== null && <Breadcrumbs path={folder.path} onOpen={folder.open} />}
      </div>
      <div className="folder-picker-table">
        <FolderBody folder={folder} remote={false} columns={['name', 'mtime']} />
      </div>
      <div className="folder-picker-actions">
        <span className="hint">
          Open a folder with a double-click or Enter, then use it:{' '}
          <code title={current ?? undefined}>{current ?? '…'}</code>
        </span>
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={current === null}
          onClick={() => current !== null && props.onPick(current)}
        >
          Use this folder
        </button>
      </div>
    </div>
  );
}
