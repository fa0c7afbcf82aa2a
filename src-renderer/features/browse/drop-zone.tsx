import { useState, type DragEvent, type ReactElement, type ReactNode } from 'react';
import { pathForFile } from '../../lib/api-client';
import { parentOf } from '../../lib/os-path';
import { useBrowserStore } from '../../stores/browser-store';

/**
 * Accepts folders and files dropped from the OS file manager. In the desktop app the preload
 * tells us their paths and the browser opens the dropped folder (or a dropped file's folder).
 * A web browser never reveals OS paths, so there we say so and point to the folder browser.
 */
export function DropZone(props: { children: ReactNode }): ReactElement {
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const hasFiles = (event: DragEvent): boolean => event.dataTransfer.types.includes('Files');

  const onDrop = async (event: DragEvent): Promise<void> => {
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length === 0) return;
    const paths = files.map(pathForFile).filter((p): p is string => p !== null);
    if (paths.length === 0) {
      setNotice(
        'This browser does not tell web pages where dropped files are on disk. ' +
          'Use the folder browser to go to the folder instead.',
      );
      return;
    }
    setNotice(null);
    const browser = useBrowserStore.getState();
    const first = paths[0] as string;
    await browser.open(first);
    const { error } = useBrowserStore.getState();
    const parent = parentOf(first);
    if (error?.code === 'not-dir' && parent) await browser.open(parent);
  };

  return (
    <div
      className={dragging ? 'drop-zone dragging' : 'drop-zone'}
      data-testid="drop-zone"
      onDragEnter={(event) => hasFiles(event) && setDragging(true)}
      onDragOver={(event) => {
        if (hasFiles(event)) event.preventDefault();
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={(event) => void onDrop(event)}
    >
      {props.children}
      {notice && (
        <div className="drop-notice" role="alert">
          <p>{notice}</p>
          <button type="button" onClick={() => setNotice(null)}>
            OK
          </button>
        </div>
      )}
    </div>
  );
}
