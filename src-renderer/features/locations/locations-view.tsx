import { useEffect, useMemo, useState, type ReactElement } from 'react';
import { describeNetworkMount } from '../../../src-shared/model/entry';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { useLocationsStore } from '../../stores/locations-store';
import { navigate } from '../../stores/nav-store';
import { describeLocation, kindLabel } from './describe-location';
import { KindIcon } from './kind-icon';
import './locations.css';

/** From this many locations on, a filter box helps find one. */
const FILTER_FROM = 7;

/**
 * The saved locations: what each is, where it points, which secrets it keeps, and what can be
 * done with it (browse, edit, start a task from it, delete after a confirmation in the page).
 */
export function LocationsView(): ReactElement {
  const { locations, loaded, error, load } = useLocationsStore();
  const [filter, setFilter] = useState('');

  useEffect(() => {
    void load();
  }, [load]);

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!needle) return locations;
    return locations.filter((l) =>
      `${l.name} ${describeLocation(l.config)} ${kindLabel(l.config)}`
        .toLowerCase()
        .includes(needle),
    );
  }, [locations, filter]);

  const add = (): void => navigate({ view: 'location-editor', locationId: null });

  return (
    <section className="page locations-page" aria-label="Locations">
      <header className="page-header">
        <h1>Locations</h1>
        {locations.length >= FILTER_FROM && (
          <input
            type="search"
            className="locations-filter"
            aria-label="Filter locations"
            placeholder="Filter by name or address"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
        )}
        <button type="button" className="btn btn-primary" onClick={add}>
          Add location
        </button>
        <p className="subtitle">
          Where data is read from and written to: folders of this computer, SMB and NFS file
          servers, Amazon S3 and S3-compatible buckets.
        </p>
      </header>

      {error && !loaded && (
        <div className="notice notice-error" role="alert">
          <strong>Could not load the saved locations.</strong> {error.message}{' '}
          <button type="button" className="btn btn-small" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}

      {!loaded ? (
        <p className="placeholder">Loading locations…</p>
      ) : locations.length === 0 ? (
        <EmptyState onAdd={add} />
      ) : (
        <ul className="location-list" aria-label="Saved locations">
          {shown.map((location) => (
            <LocationRow key={location.id} location={location} />
          ))}
          {shown.length === 0 && (
            <li className="location-none">No location matches “{filter.trim()}”.</li>
          )}
        </ul>
      )}
    </section>
  );
}

function EmptyState(props: { onAdd(): void }): ReactElement {
  return (
    <div className="empty-state locations-empty">
      <div className="locations-empty-icons" aria-hidden>
        {(['local', 'smb', 's3'] as const).map((kind) => (
          <span key={kind} className={`location-kind kind-${kind}`}>
            <KindIcon kind={kind} />
          </span>
        ))}
      </div>
      <h2>No locations yet</h2>
      <p>
        Add the places you move data between: a folder of this computer, a Windows or NAS share
        (SMB), an NFS export, an Amazon S3 bucket or S3-compatible object storage.
      </p>
      <button type="button" className="btn btn-primary" onClick={props.onAdd}>
        Add your first location
      </button>
    </div>
  );
}

/** What the saved secrets and credentials are, in words; never their values. */
function credentialNotes(location: SavedLocation): string[] {
  const { config, secretsSet } = location;
  const notes: string[] = [];
  switch (config.kind) {
    case 'smb':
      notes.push(`User ${config.domain ? `${config.domain}\\` : ''}${config.user}`);
      notes.push(secretsSet.includes('password') ? 'Password saved' : 'No password saved');
      break;
    case 'nfs':
      notes.push(`UID ${config.uid} · GID ${config.gid}`);
      break;
    case 's3':
      if (config.credentials === 'default') notes.push('Default AWS credentials');
      else if (config.credentials === 'profile') notes.push(`Profile ${config.profile}`);
      else {
        notes.push(`Access key ${config.accessKeyId}`);
        if (secretsSet.includes('secretAccessKey')) notes.push('Secret key saved');
      }
      if (config.region) notes.push(config.region);
      break;
    case 'object-storage':
      if (config.accessKeyId) notes.push(`Access key ${config.accessKeyId}`);
      if (secretsSet.includes('secretAccessKey')) notes.push('Secret key saved');
      if (config.caCertificatePem) notes.push('Own CA certificate');
      break;
    case 'local':
    case 'memory':
      break;
  }
  return notes;
}

function LocationRow(props: { location: SavedLocation }): ReactElement {
  const { location } = props;
  const remove = useLocationsStore((s) => s.remove);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const description = describeLocation(location.config);
  const notes = credentialNotes(location);
  const headingId = `location-${location.id}-name`;

  const confirmDelete = async (): Promise<void> => {
    setDeleting(true);
    const result = await remove(location.id);
    // On success the row disappears with the store's list; only a failure stays to be read.
    if (!result.ok) {
      setDeleting(false);
      setConfirming(false);
      setDeleteError(result.error.message);
    }
  };

  return (
    <li className="location-row card" aria-labelledby={headingId}>
      <div className={`location-kind kind-${location.config.kind}`}>
        <KindIcon kind={location.config.kind} />
      </div>
      <div className="location-main">
        <div className="location-title">
          <h2 id={headingId}>{location.name}</h2>
          <span className="badge">{kindLabel(location.config)}</span>
        </div>
        <div className="location-address" title={description}>
          {description}
        </div>
        {(notes.length > 0 || location.networkMount) && (
          <div className="location-notes">
            {notes.map((note) => (
              <span key={note}>{note}</span>
            ))}
            {location.networkMount && (
              <span
                className="location-mount"
                title={`This folder is on ${location.networkMount.source}, mounted by the system at ${location.networkMount.mountPoint}`}
              >
                {describeNetworkMount(location.networkMount)}
              </span>
            )}
          </div>
        )}
        {deleteError && (
          <div className="notice notice-error location-row-error" role="alert">
            {deleteError}
          </div>
        )}
      </div>
      {confirming ? (
        <div className="location-confirm" role="group" aria-label={`Delete ${location.name}?`}>
          <span>Delete this location? The data itself is not touched.</span>
          <div className="location-actions">
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={deleting}
              onClick={() => void confirmDelete()}
            >
              {deleting ? 'Deleting…' : 'Delete'}
            </button>
            <button
              type="button"
              className="btn btn-small"
              autoFocus
              onClick={() => setConfirming(false)}
            >
              Keep
            </button>
          </div>
        </div>
      ) : (
        <div className="location-actions">
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Browse ${location.name}`}
            onClick={() => navigate({ view: 'location-browser', locationId: location.id })}
          >
            Browse
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Edit ${location.name}`}
            onClick={() => navigate({ view: 'location-editor', locationId: location.id })}
          >
            Edit
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`New task from here: ${location.name}`}
            onClick={() =>
              navigate({ view: 'task-editor', taskId: null, sourceLocationId: location.id })
            }
          >
            New task from here
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            aria-label={`Delete ${location.name}`}
            onClick={() => {
              setDeleteError(null);
              setConfirming(true);
            }}
          >
            Delete
          </button>
        </div>
      )}
    </li>
  );
}
