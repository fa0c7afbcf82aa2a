import { useState, type DragEvent, type ReactElement, type ReactNode } from 'react';
import { pathForFile } from '../../lib/api-client';
import { carriesFolder } from '../../lib/drag-folder';
import { planDroppedPaths, type DroppedItem } from '../../lib/dropped-paths';
import { navigate } from '../../stores/nav-store';
import { ensureLocalLocation } from '../../stores/tasks-store';

type Notice =
  /** A web browser: it never reveals where dropped files are. */
  { kind: 'web' } | { kind: 'info'; text: string } | { kind: 'error'; text: string };

/**
 * The whole window is a drop target for folders and files from the OS file manager: a drop
 * starts a new task with them as the source (a folder, or the folder of dropped files with an
 * include filter naming them). Folders dragged inside the app (to a task's slots) are not ours.
 */
export function DropZone(props: { children: ReactNode }): ReactElement {
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);

  const isOsDrop = (event: DragEvent): boolean =>
    event.dataTransfer.types.includes('Files') && !carriesFolder(event.dataTransfer);

  const onDrop = async (event: DragEvent): Promise<void> => {
    if (!isOsDrop(event)) return;
    event.preventDefault();
    setDragging(false);
    // Read everything now: the DataTransfer is emptied once the event returns.
    const items = droppedItems(event.dataTransfer);
    if (items.length === 0) {
      if (event.dataTransfer.files.length > 0) setNotice({ kind: 'web' });
      return;
    }
    const plan = planDroppedPaths(items);
    if (!plan) return;
    setNotice(null);
    const location = await ensureLocalLocation(plan.source, plan.label);
    if (!location.ok) {
      setNotice({
        kind: 'error',
        text: `Could not use ${plan.source} as a source: ${location.error.message}`,
      });
      return;
    }
    if (plan.note) setNotice({ kind: 'info', text: plan.note });
    navigate({
      view: 'task-editor',
      taskId: null,
      sourceLocationId: location.value.id,
      ...(plan.includes ? { includes: plan.includes } : {}),
    });
  };

  return (
    <div
      className={dragging ? 'drop-zone dragging' : 'drop-zone'}
      data-testid="drop-zone"
      onDragEnter={(event) => isOsDrop(event) && setDragging(true)}
      onDragOver={(event) => {
        if (isOsDrop(event)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => void onDrop(event)}
    >
      {props.children}
      {notice && <DropNotice notice={notice} onClose={() => setNotice(null)} />}
    </div>
  );
}

function DropNotice(props: { notice: Notice; onClose: () => void }): ReactElement {
  const { notice } = props;
  if (notice.kind === 'web') {
    return (
      <div className="drop-notice" role="alert">
        <p>
          This browser does not tell web pages where dropped files are on disk, so DataFerry cannot
          start a task from them here. Browse to the folder instead: a new task’s browser pane shows
          the folders of this computer.
        </p>
        <button
          type="button"
          onClick={() => {
            props.onClose();
            navigate({ view: 'task-editor', taskId: null });
          }}
        >
          Browse folders instead
        </button>{' '}
        <button type="button" onClick={props.onClose}>
          Dismiss
        </button>
      </div>
    );
  }
  return (
    <div className="drop-notice" role={notice.kind === 'error' ? 'alert' : 'status'}>
      <p>{notice.text}</p>
      <button type="button" onClick={props.onClose}>
        OK
      </button>
    </div>
  );
}

/** The dropped items that have an OS path (none in a web browser), in drop order. */
function droppedItems(transfer: DataTransfer): DroppedItem[] {
  const files = Array.from(transfer.files);
  const entries = Array.from(transfer.items ?? []).filter((item) => item.kind === 'file');
  const items: DroppedItem[] = [];
  files.forEach((file, index) => {
    const path = pathForFile(file);
    if (!path) return;
    // webkitGetAsEntry tells folders from files; where it is missing, the planner copes.
    const entry = entries[index]?.webkitGetAsEntry?.() ?? null;
    items.push({ path, isDirectory: entry ? entry.isDirectory : null });
  });
  return items;
}
