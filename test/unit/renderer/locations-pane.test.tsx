// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { FOLDER_MIME } from '../../../src-renderer/lib/drag-folder';

const invoke = vi.fn();
vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => {},
  shellKind: () => 'web',
  pathForFile: () => null,
  onConnectionStatus: () => () => {},
}));

const { BrowserPane } = await import('../../../src-renderer/features/locations/browser-pane');
const { BrowseView } = await import('../../../src-renderer/features/browse/browse-view');
const { useAppStore } = await import('../../../src-renderer/stores/app-store');
const { useBrowserStore } = await import('../../../src-renderer/stores/browser-store');
const { useLocationsStore } = await import('../../../src-renderer/stores/locations-store');

const NAS: SavedLocation = {
  id: 'n1',
  name: 'Lab NAS',
  config: {
    kind: 'nfs',
    server: 'nas',
    port: 2049,
    mountPort: 0,
    export: '/data',
    path: '',
    uid: 0,
    gid: 0,
    version: 'NFS3',
  },
  secretsSet: [],
  createdAt: 1,
  updatedAt: 1,
};

const dir = (name: string) => ({ name, kind: 'dir', size: 0, mtimeMs: 0 });

Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, value: 600 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, value: 400 });

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation(async (channel: string, request: { path: string }) => {
    switch (channel) {
      case 'locations:list':
        return { ok: true, value: [NAS] };
      case 'fs:list':
        return {
          ok: true,
          value: { path: request.path, parent: '/home', entries: [dir('Photos')], skipped: 0 },
        };
      case 'locations:browse':
        return { ok: true, value: { path: request.path, parent: null, entries: [dir('exports')] } };
      default:
        return { ok: false, error: { code: 'unknown', message: channel } };
    }
  });
  useLocationsStore.setState({ locations: [], loaded: false, loading: false, error: null });
  useAppStore.setState({
    info: {
      name: 'DataFerry',
      version: '0',
      platform: 'linux',
      arch: 'x64',
      dataDir: '/d',
      homeDir: '/home/ana',
      shell: 'web',
    },
  });
});
afterEach(cleanup);

/** What dragging a row puts on the drag. */
function drag(row: HTMLElement): unknown {
  const data = new Map<string, string>();
  fireEvent.dragStart(row, {
    dataTransfer: { setData: (t: string, v: string) => data.set(t, v), effectAllowed: 'none' },
  });
  return JSON.parse(data.get(FOLDER_MIME) ?? 'null');
}

const rowOf = (name: string): HTMLElement =>
  screen.getByText(name).closest('[role="row"]') as HTMLElement;

describe('BrowserPane', () => {
  it('starts at the home folder of this computer and drags absolute paths', async () => {
    render(<BrowserPane />);
    await screen.findByText('Photos');
    expect(invoke).toHaveBeenCalledWith('fs:list', { path: '/home/ana' });
    expect(screen.getByText(/Drag a folder onto Source or Destination/)).toBeTruthy();
    expect(drag(rowOf('Photos'))).toEqual({
      kind: 'local',
      path: '/home/ana/Photos',
      label: '/home/ana/Photos',
    });
  });

  it('switches to a saved location and drags paths relative to its root', async () => {
    render(<BrowserPane />);
    const select = screen.getByLabelText('Location');
    await screen.findByRole('option', { name: 'Lab NAS' });
    fireEvent.change(select, { target: { value: 'n1' } });
    await screen.findByText('exports');
    expect(invoke).toHaveBeenCalledWith('locations:browse', { target: { id: 'n1' }, path: '' });
    expect(drag(rowOf('exports'))).toEqual({
      kind: 'location',
      locationId: 'n1',
      path: 'exports',
      label: 'Lab NAS/exports',
    });
  });

  it('opens a folder with Enter from the focused table', async () => {
    render(<BrowserPane initialLocationId="n1" />);
    await screen.findByText('exports');
    fireEvent.keyDown(screen.getByRole('rowgroup'), { key: 'Enter' });
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('locations:browse', {
        target: { id: 'n1' },
        path: 'exports',
      }),
    );
  });
});

describe('the Files view', () => {
  it('still browses, and its folder rows drag as local folders', async () => {
    render(<BrowseView />);
    await useBrowserStore.getState().open('/home/ana');
    await screen.findByText('Photos');
    expect(screen.getByRole('textbox', { name: 'Folder path' })).toBeTruthy();
    expect(screen.getByTestId('status-line').textContent).toContain('1 items');
    expect(drag(rowOf('Photos'))).toEqual({
      kind: 'local',
      path: '/home/ana/Photos',
      label: '/home/ana/Photos',
    });
  });
});
