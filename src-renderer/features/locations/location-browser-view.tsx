import { useEffect, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { Entry } from '../../../src-shared/model/entry';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { Breadcrumbs } from '../../components/file-browser/breadcrumbs';
import { ArrowIcon, RefreshIcon } from '../../components/icons';
import { invoke } from '../../lib/api-client';
import type { DraggedFolder } from '../../lib/drag-folder';
import { useLocationsStore } from '../../stores/locations-store';
import { navigate } from '../../stores/nav-store';
import { describeLocation, kindLabel } from './describe-location';
import { FolderBody, FolderStatus, locationSegments } from './folder-parts';
import { KindIcon } from './kind-icon';
import { useBrowserKeys } from './use-browser-keys';
import { useLocationFolder } from './use-location-folder';
import './location-browser.css';

/**
 * A saved location's folders, for any kind: navigate, sort, see sizes and dates, drag a folder
 * onto a task slot, or make the folder shown a new task's source or destination.
 */
export function LocationBrowserView(props: { locationId: string }): ReactElement {
  const { locationId } = props;
  const known = useLocationsStore((s) => s.locations.find((l) => l.id === locationId));
  const [location, setLocation] = useState<SavedLocation | null>(known ?? null);
  const [lookupError, setLookupError] = useState<ErrorInfo | null>(null);
  const folder = useLocationFolder({ kind: 'location', locationId });
  const [deriving, setDeriving] = useState(false);
  const [useError, setUseError] = useState<ErrorInfo | null>(null);
  useBrowserKeys(folder);

  useEffect(() => {
    void invoke('locations:get', { id: locationId }).then((result) => {
      if (result.ok) setLocation(result.value);
      else setLookupError(result.error);
    });
  }, [locationId]);

  const name = location?.name ?? 'Location';
  const path = folder.listing?.path ?? folder.path ?? '';

  /** The folder shown as a task's source or destination: a derived location below the root. */
  const useFolder = async (slot: 'source' | 'destination'): Promise<void> => {
    setUseError(null);
    let id = locationId;
    if (path !== '') {
      setDeriving(true);
      const result = await invoke('locations:derive', { id: locationId, path });
      setDeriving(false);
      if (!result.ok) {
        setUseError(result.error);
        return;
      }
      id = result.value.id;
    }
    navigate(
      slot === 'source'
        ? { view: 'task-editor', taskId: null, sourceLocationId: id }
        : { view: 'task-editor', taskId: null, destinationLocationId: id },
    );
  };

  const dragFolder = (entry: Entry): DraggedFolder => ({
    kind: 'location',
    locationId,
    path: folder.childPath(entry.name),
    label: `${name}/${folder.childPath(entry.name)}`,
  });

  if (lookupError && !location) {
    return (
      <section className="page" aria-label="Browse location">
        <div className="notice notice-error" role="alert">
          <strong>This location could not be opened.</strong> {lookupError.message}
        </div>
      </section>
    );
  }

  return (
    <section className="browse location-browser" aria-label={`Browse ${name}`}>
      <header className="location-browser-header">
        {location && (
          <span className={`location-kind kind-${location.config.kind}`}>
            <KindIcon kind={location.config.kind} />
          </span>
        )}
        <div className="location-browser-title">
          <h1>{name}</h1>
          {location && (
            <span className="location-browser-address">
              <span className="badge">{kindLabel(location.config)}</span>
              <code title={describeLocation(location.config)}>
                {describeLocation(location.config)}
              </code>
            </span>
          )}
        </div>
        <div className="location-browser-use">
          <button
            type="button"
            className="btn"
            disabled={deriving || folder.listing === null}
            onClick={() => void useFolder('source')}
          >
            Use this folder as source
          </button>
          <button
            type="button"
            className="btn"
            disabled={deriving || folder.listing === null}
            onClick={() => void useFolder('destination')}
          >
            Use this folder as destination
          </button>
        </div>
      </header>
      {useError && (
        <div className="notice notice-error location-browser-notice" role="alert">
          <strong>This folder cannot be used for a task.</strong> {useError.message}
        </div>
      )}
      <div className="toolbar">
        <button
          type="button"
          className="tool"
          title="Back (Alt+Left)"
          aria-label="Back"
          disabled={folder.back.length === 0}
          onClick={folder.goBack}
        >
          <ArrowIcon direction="left" />
        </button>
        <button
          type="button"
          className="tool"
          title="Enclosing folder (Alt+Up)"
          aria-label="Up"
          disabled={folder.parentPath === null}
          onClick={folder.up}
        >
          <ArrowIcon direction="up" />
        </button>
        <button
          type="button"
          className="tool"
          title="Refresh (F5)"
          aria-label="Refresh"
          disabled={folder.path === null}
          onClick={folder.refresh}
        >
          <RefreshIcon />
        </button>
        <Breadcrumbs path={path} onOpen={folder.open} segments={locationSegments(name, path)} />
        <span className="drag-hint">Drag a folder onto a task&rsquo;s Source or Destination</span>
      </div>
      <FolderBody
        folder={folder}
        remote
        dragFolder={dragFolder}
        errorAction={{
          label: 'Edit location',
          onClick: () => navigate({ view: 'location-editor', locationId }),
        }}
      />
      <FolderStatus folder={folder} />
    </section>
  );
}
