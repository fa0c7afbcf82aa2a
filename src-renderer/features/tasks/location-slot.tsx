import { useId, useState, type DragEvent, type ReactElement } from 'react';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import type { Result } from '../../../src-shared/ipc/result';
import { carriesFolder, getDraggedFolder, type DraggedFolder } from '../../lib/drag-folder';
import { ensureLocalLocation, locationForFolder } from '../../stores/tasks-store';
import { describeLocation, kindLabel } from '../locations/describe-location';

/**
 * A task's Source or Destination: the chosen location, a select of the saved ones (the keyboard
 * way), and a drop target for folders dragged from the browser pane. A folder inside a location
 * becomes a derived location; a folder of this computer reuses or makes a local location.
 */
export function LocationSlot(props: {
  side: 'Source' | 'Destination';
  locations: SavedLocation[];
  value: string;
  onChange: (locationId: string) => void;
  error: string | undefined;
}): ReactElement {
  const selectId = useId();
  const errorId = useId();
  const [over, setOver] = useState(false);
  const [resolving, setResolving] = useState<string | null>(null);
  const [dropError, setDropError] = useState<string | null>(null);
  const chosen = props.locations.find((l) => l.id === props.value);

  const onDrop = async (event: DragEvent): Promise<void> => {
    if (!carriesFolder(event.dataTransfer)) return;
    event.preventDefault();
    event.stopPropagation();
    setOver(false);
    const folder = getDraggedFolder(event.dataTransfer);
    if (!folder) {
      setDropError('That is not a folder DataFerry can use: drag a folder from the browser.');
      return;
    }
    setResolving(folder.label);
    setDropError(null);
    const result = await resolveFolder(folder);
    setResolving(null);
    if (result.ok) props.onChange(result.value.id);
    else setDropError(`Could not use “${folder.label}”: ${result.error.message}`);
  };

  const shownError = dropError ?? props.error;
  const classes = ['location-slot', over && 'drag-over', shownError && 'has-error']
    .filter(Boolean)
    .join(' ');

  return (
    <div
      role="region"
      aria-label={props.side}
      className={classes}
      onDragEnter={(event) => carriesFolder(event.dataTransfer) && setOver(true)}
      onDragOver={(event) => {
        if (!carriesFolder(event.dataTransfer)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'link';
        setOver(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(event) => void onDrop(event)}
    >
      <h3 className="location-slot-title">{props.side}</h3>
      {resolving !== null ? (
        <p className="location-slot-body muted" role="status">
          Adding “{resolving}”…
        </p>
      ) : chosen ? (
        <div className="location-slot-body">
          <span className="badge">{kindLabel(chosen.config)}</span>
          <div className="location-slot-text">
            <strong>{chosen.name}</strong>
            <span className="location-slot-path" title={describeLocation(chosen.config)}>
              {describeLocation(chosen.config)}
            </span>
          </div>
        </div>
      ) : (
        <p className="location-slot-body location-slot-empty">
          Drop a folder here or choose a location
        </p>
      )}
      <div className="location-slot-picker">
        <label htmlFor={selectId} className="visually-hidden">
          {props.side} location
        </label>
        <select
          id={selectId}
          value={props.value}
          aria-invalid={shownError ? true : undefined}
          aria-describedby={shownError ? errorId : undefined}
          onChange={(event) => {
            setDropError(null);
            props.onChange(event.target.value);
          }}
        >
          <option value="">Choose a location…</option>
          {props.value !== '' && !chosen && (
            <option value={props.value}>A location that no longer exists</option>
          )}
          {props.locations.map((location) => (
            <option key={location.id} value={location.id}>
              {location.name} ({kindLabel(location.config)})
            </option>
          ))}
        </select>
      </div>
      {shownError && (
        <p id={errorId} className="error" role="alert">
          {shownError}
        </p>
      )}
    </div>
  );
}

/** The saved location a dragged folder stands for (made on demand). */
function resolveFolder(folder: DraggedFolder): Promise<Result<SavedLocation>> {
  return folder.kind === 'location'
    ? locationForFolder(folder.locationId, folder.path)
    : ensureLocalLocation(folder.path, folder.label);
}
