import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { Entry } from '../../../src-shared/model/entry';
import { Breadcrumbs } from '../../components/file-browser/breadcrumbs';
import { ArrowIcon, RefreshIcon } from '../../components/icons';
import type { DraggedFolder } from '../../lib/drag-folder';
import { useAppStore } from '../../stores/app-store';
import { useLocationsStore } from '../../stores/locations-store';
import { FolderBody, FolderStatus, locationSegments } from './folder-parts';
import { useLocationFolder, type FolderTarget } from './use-location-folder';
import './location-browser.css';

/** The select's value for this computer's own folders. */
const THIS_COMPUTER = '';

/**
 * A compact browser at the side of the task editor: pick "This computer" or a saved location,
 * walk its folders, and drag one onto the task's Source or Destination.
 */
export function BrowserPane(props: { initialLocationId?: string }): ReactElement {
  const homeDir = useAppStore((s) => s.info?.homeDir ?? null);
  const { locations, load } = useLocationsStore();
  const [choice, setChoice] = useState(props.initialLocationId ?? THIS_COMPUTER);

  useEffect(() => {
    void load();
  }, [load]);
  // The task editor may point the pane at another location (its source, say) later on.
  useEffect(() => {
    if (props.initialLocationId !== undefined) setChoice(props.initialLocationId);
  }, [props.initialLocationId]);

  const chosen = locations.find((l) => l.id === choice);
  // The target object is rebuilt on every render; the hook keys on its content.
  const target: FolderTarget | null =
    choice === THIS_COMPUTER
      ? homeDir === null
        ? null
        : { kind: 'local', start: homeDir }
      : { kind: 'location', locationId: choice };
  const folder = useLocationFolder(target);

  const path = folder.listing?.path ?? folder.path;
  const segments = useMemo(
    () =>
      choice === THIS_COMPUTER || path === null
        ? undefined
        : locationSegments(chosen?.name ?? 'Location', path),
    [choice, chosen, path],
  );

  const dragFolder = (entry: Entry): DraggedFolder => {
    const child = folder.childPath(entry.name);
    return choice === THIS_COMPUTER
      ? { kind: 'local', path: child, label: child }
      : {
          kind: 'location',
          locationId: choice,
          path: child,
          label: `${chosen?.name ?? 'Location'}/${child}`,
        };
  };

  return (
    <aside className="browser-pane" aria-label="Browse locations">
      <div className="browser-pane-head">
        <label className="field">
          <span>Location</span>
          <select value={choice} onChange={(event) => setChoice(event.target.value)}>
            <option value={THIS_COMPUTER}>This computer</option>
            {locations.map((location) => (
              <option key={location.id} value={location.id}>
                {location.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="browser-pane-bar">
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
        <button
          type="button"
          className="tool"
          aria-label="Refresh"
          title="Refresh"
          disabled={folder.path === null}
          onClick={folder.refresh}
        >
          <RefreshIcon />
        </button>
        {path !== null && <Breadcrumbs path={path} onOpen={folder.open} segments={segments} />}
      </div>
      <p className="browser-pane-hint">
        <span aria-hidden>⠿</span> Drag a folder onto Source or Destination
      </p>
      <FolderBody
        folder={folder}
        remote={choice !== THIS_COMPUTER}
        dragFolder={dragFolder}
        columns={['name', 'size']}
      />
      <FolderStatus folder={folder} />
    </aside>
  );
}
