// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../../src-shared/ipc/contract';
import type { SavedLocation } from '../../../src-shared/model/location-config';

const invoke = vi.fn();
/** What pathForFile answers per file name (the desktop preload); empty = a web browser. */
let osPaths: Record<string, string> = {};

vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => undefined,
  pathForFile: (file: File) => osPaths[file.name] ?? null,
  shellKind: () => 'desktop',
}));

const { DropZone } = await import('../../../src-renderer/features/browse/drop-zone');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');
const { useLocationsStore } = await import('../../../src-renderer/stores/locations-store');
const { FOLDER_MIME } = await import('../../../src-renderer/lib/drag-folder');

const EXISTING: SavedLocation = {
  id: 'loc-docs',
  name: 'Documents',
  config: { kind: 'local', path: '/home/ana/docs' },
  secretsSet: [],
  createdAt: 0,
  updatedAt: 0,
};
let saved: SavedLocation[];

beforeEach(() => {
  osPaths = {};
  saved = [];
  invoke.mockReset();
  invoke.mockImplementation(async (channel: Channel, request: Record<string, unknown>) => {
    if (channel === 'locations:list') return { ok: true, value: saved };
    if (channel === 'locations:create') {
      const created = { ...EXISTING, id: 'loc-new', ...request };
      return { ok: true, value: created };
    }
    return { ok: false, error: { code: 'not-supported', message: channel } };
  });
  useLocationsStore.setState({ locations: [], loaded: false, loading: false, error: null });
  useNavStore.setState({ route: { view: 'tasks' }, back: [] });
});
afterEach(cleanup);

/** A drop from the OS file manager: files, with folder-or-file known through the entries. */
function osDrop(items: { name: string; dir: boolean }[]): object {
  const files = items.map((item) => new File(['x'], item.name));
  return {
    types: ['Files'],
    files,
    items: items.map((item) => ({
      kind: 'file',
      webkitGetAsEntry: () => ({ isDirectory: item.dir }),
    })),
    getData: () => '',
    dropEffect: 'none',
  };
}

function drop(dataTransfer: object): HTMLElement {
  render(
    <DropZone>
      <p>app</p>
    </DropZone>,
  );
  const zone = screen.getByTestId('drop-zone');
  fireEvent.dragEnter(zone, { dataTransfer });
  fireEvent.dragOver(zone, { dataTransfer });
  fireEvent.drop(zone, { dataTransfer });
  return zone;
}

describe('DropZone', () => {
  it('starts a new task with dropped files: their folder as the source, named in includes', async () => {
    osPaths = { 'a.txt': '/home/ana/docs/a.txt', b: '/home/ana/docs/b' };
    drop(
      osDrop([
        { name: 'a.txt', dir: false },
        { name: 'b', dir: true },
      ]),
    );
    await waitFor(() =>
      expect(useNavStore.getState().route).toEqual({
        view: 'task-editor',
        taskId: null,
        sourceLocationId: 'loc-new',
        includes: '/a.txt|/b',
      }),
    );
    expect(invoke).toHaveBeenCalledWith('locations:create', {
      name: 'docs',
      config: { kind: 'local', path: '/home/ana/docs' },
    });
  });

  it('reuses the saved local location of a dropped folder', async () => {
    saved = [EXISTING];
    osPaths = { docs: '/home/ana/docs' };
    drop(osDrop([{ name: 'docs', dir: true }]));
    await waitFor(() =>
      expect(useNavStore.getState().route).toEqual({
        view: 'task-editor',
        taskId: null,
        sourceLocationId: 'loc-docs',
      }),
    );
    expect(invoke.mock.calls.some(([channel]) => channel === 'locations:create')).toBe(false);
  });

  it('explains, in a web browser, why a drop cannot work and offers the folder browser', async () => {
    const zone = drop(osDrop([{ name: 'folder-from-desktop', dir: true }]));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('does not tell web pages where dropped files are');
    expect(zone.className).not.toContain('dragging');
    fireEvent.click(screen.getByRole('button', { name: 'Browse folders instead' }));
    expect(useNavStore.getState().route).toEqual({ view: 'task-editor', taskId: null });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('leaves folders dragged inside the app to the task slots', () => {
    const payload = { kind: 'local', path: '/srv', label: 'srv' };
    const zone = drop({
      types: [FOLDER_MIME, 'text/plain'],
      files: [],
      items: [],
      getData: (type: string) => (type === FOLDER_MIME ? JSON.stringify(payload) : ''),
    });
    expect(zone.className).not.toContain('dragging');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(invoke).not.toHaveBeenCalled();
    expect(useNavStore.getState().route).toEqual({ view: 'tasks' });
  });
});
