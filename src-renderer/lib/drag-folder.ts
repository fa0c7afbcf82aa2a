/*
 * Folders dragged inside the app (from a browser pane onto a task slot) travel as JSON under our
 * own MIME type, so a drop can tell them from OS files and from text. The payload is parsed
 * defensively: anything dragged in from elsewhere may carry this type.
 */

export const FOLDER_MIME = 'application/x-dataferry-folder';

export type DraggedFolder =
  /** A folder inside a saved location; `path` is relative to its root ('' = the root). */
  | { kind: 'location'; locationId: string; path: string; label: string }
  /** A folder of this computer, from the Files browser: an absolute OS path. */
  | { kind: 'local'; path: string; label: string };

export function setDraggedFolder(transfer: DataTransfer, folder: DraggedFolder): void {
  transfer.setData(FOLDER_MIME, JSON.stringify(folder));
  transfer.setData('text/plain', folder.label);
  transfer.effectAllowed = 'copyLink';
}

/** True while a drag carries one of our folders (the data itself is readable only on drop). */
export function carriesFolder(transfer: DataTransfer): boolean {
  return transfer.types.includes(FOLDER_MIME);
}

/** The folder a drop carries, or null when it carries none or something malformed. */
export function getDraggedFolder(transfer: DataTransfer): DraggedFolder | null {
  const raw = transfer.getData(FOLDER_MIME);
  if (!raw || raw.length > 10_000) return null;
  try {
    return parseDraggedFolder(JSON.parse(raw));
  } catch {
    return null;
  }
}

export function parseDraggedFolder(value: unknown): DraggedFolder | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.path !== 'string' || typeof v.label !== 'string') return null;
  if (v.kind === 'local' && v.path !== '') return { kind: 'local', path: v.path, label: v.label };
  if (v.kind === 'location' && typeof v.locationId === 'string' && v.locationId !== '') {
    return { kind: 'location', locationId: v.locationId, path: v.path, label: v.label };
  }
  return null;
}
