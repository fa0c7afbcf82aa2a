// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
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

const { LocationsView } = await import('../../../src-renderer/features/locations/locations-view');
const { LocationBrowserView } =
  await import('../../../src-renderer/features/locations/location-browser-view');
const { useLocationsStore } = await import('../../../src-renderer/stores/locations-store');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');

const saved = (
  id: string,
  name: string,
  config: SavedLocation['config'],
  secrets: SavedLocation['secretsSet'] = [],
): SavedLocation => ({
  id,
  name,
  config,
  secretsSet: secrets,
  createdAt: 1,
  updatedAt: 1,
});

const LOCAL = saved('l1', 'Projects', { kind: 'local', path: '/home/ana/projects' });
const SMB = saved(
  's1',
  'Finance',
  {
    kind: 'smb',
    server: 'files.corp',
    port: 445,
    share: 'finance',
    path: '',
    domain: 'CORP',
    user: 'ana',
    version: 'AUTOMATIC',
  },
  ['password'],
);

type Handler = (request: never) => unknown;
function answer(handlers: Record<string, Handler>): void {
  invoke.mockImplementation(async (channel: string, request: never) => {
    const handler = handlers[channel];
    if (!handler) return { ok: false, error: { code: 'unknown', message: `no ${channel}` } };
    const value = handler(request);
    return value && typeof value === 'object' && 'ok' in value ? value : { ok: true, value };
  });
}

// The virtualized table measures its scroll box; jsdom has no layout, so give it one.
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, value: 600 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, value: 800 });

beforeEach(() => {
  invoke.mockReset();
  useLocationsStore.setState({ locations: [], loaded: false, loading: false, error: null });
  useNavStore.setState({ route: { view: 'locations' }, back: [] });
});
afterEach(cleanup);

describe('LocationsView', () => {
  it('invites to add the first location when there is none', async () => {
    answer({ 'locations:list': () => [] });
    render(<LocationsView />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add your first location' }));
    expect(useNavStore.getState().route).toEqual({ view: 'location-editor', locationId: null });
  });

  it('lists each location with its kind, address and saved secrets', async () => {
    answer({ 'locations:list': () => [SMB, LOCAL] });
    render(<LocationsView />);
    const list = await screen.findByRole('list', { name: 'Saved locations' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows.map((r) => within(r).getByRole('heading').textContent)).toEqual([
      'Finance',
      'Projects',
    ]);
    expect(rows[0]?.textContent).toContain('smb://files.corp/finance');
    expect(rows[0]?.textContent).toContain('Password saved');
    expect(rows[0]?.textContent).toContain('SMB');
    expect(rows[1]?.textContent).toContain('/home/ana/projects');

    fireEvent.click(screen.getByRole('button', { name: 'New task from here: Finance' }));
    expect(useNavStore.getState().route).toEqual({
      view: 'task-editor',
      taskId: null,
      sourceLocationId: 's1',
    });
  });

  it('deletes only after a confirmation in the page, and shows a refusal', async () => {
    answer({
      'locations:list': () => [SMB, LOCAL],
      'locations:delete': () => ({
        ok: false,
        error: { code: 'invalid-input', message: 'Location "Finance" is used by task "Nightly"' },
      }),
    });
    const confirm = vi.spyOn(window, 'confirm');
    render(<LocationsView />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Finance' }));
    expect(invoke).not.toHaveBeenCalledWith('locations:delete', expect.anything());
    const question = screen.getByRole('group', { name: 'Delete Finance?' });
    fireEvent.click(within(question).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      'Location "Finance" is used by task "Nightly"',
    );
    expect(invoke).toHaveBeenCalledWith('locations:delete', { id: 's1' });
    expect(confirm).not.toHaveBeenCalled();

    answer({ 'locations:list': () => [LOCAL], 'locations:delete': () => null });
    fireEvent.click(screen.getByRole('button', { name: 'Delete Finance' }));
    fireEvent.click(
      within(screen.getByRole('group', { name: 'Delete Finance?' })).getByRole('button', {
        name: 'Delete',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Finance' })).toBeNull());
  });
});

describe('LocationBrowserView', () => {
  const entries = [
    { name: 'photos', kind: 'dir', size: 0, mtimeMs: 0 },
    { name: 'bad\\name', kind: 'file', size: 3, mtimeMs: 0, problem: 'not a valid file name' },
  ];

  it('makes the shown folder a task’s source: the location itself at its root', async () => {
    answer({
      'locations:get': () => SMB,
      'locations:browse': ({ path }: { path: string }) => ({ path, parent: null, entries }),
    });
    render(<LocationBrowserView locationId="s1" />);
    await screen.findByText(/2 items/);
    fireEvent.click(screen.getByRole('button', { name: 'Use this folder as source' }));
    await waitFor(() =>
      expect(useNavStore.getState().route).toEqual({
        view: 'task-editor',
        taskId: null,
        sourceLocationId: 's1',
      }),
    );
  });

  it('derives a location for a folder below the root, and drags folders as location paths', async () => {
    answer({
      'locations:get': () => SMB,
      'locations:browse': ({ path }: { path: string }) => ({
        path,
        parent: path === '' ? null : '',
        entries: path === '' ? entries : [{ name: '2024', kind: 'dir', size: 0, mtimeMs: 0 }],
      }),
      'locations:derive': () => ({ ...SMB, id: 'derived' }),
    });
    render(<LocationBrowserView locationId="s1" />);
    const row = await screen.findByText('photos');
    // The problem entry is dimmed, with the reason as its tooltip.
    const bad = screen.getByText('bad\\name').closest('[role="row"]');
    expect(bad?.className).toContain('has-problem');
    expect(bad?.getAttribute('title')).toContain('not a valid file name');

    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (type: string, value: string) => data.set(type, value),
      effectAllowed: 'none',
    };
    const photosRow = row.closest('[role="row"]') as HTMLElement;
    expect(photosRow.getAttribute('draggable')).toBe('true');
    fireEvent.dragStart(photosRow, { dataTransfer });
    expect(JSON.parse(data.get(FOLDER_MIME) ?? '{}')).toEqual({
      kind: 'location',
      locationId: 's1',
      path: 'photos',
      label: 'Finance/photos',
    });

    fireEvent.doubleClick(photosRow);
    await screen.findByText('2024');
    // F5 reads the folder again; Alt+Up goes to the root and Alt+Left comes back.
    const browses = () => invoke.mock.calls.filter(([c]) => c === 'locations:browse').length;
    const before = browses();
    fireEvent.keyDown(window, { key: 'F5' });
    await waitFor(() => expect(browses()).toBe(before + 1));
    const here = () => document.querySelector('[aria-current="location"]')?.textContent;
    expect(here()).toBe('photos');
    fireEvent.keyDown(window, { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(here()).toBe('Finance'));
    fireEvent.keyDown(window, { key: 'ArrowLeft', altKey: true });
    await waitFor(() => expect(here()).toBe('photos'));
    fireEvent.click(screen.getByRole('button', { name: 'Use this folder as destination' }));
    await waitFor(() =>
      expect(useNavStore.getState().route).toEqual({
        view: 'task-editor',
        taskId: null,
        destinationLocationId: 'derived',
      }),
    );
    expect(invoke).toHaveBeenCalledWith('locations:derive', { id: 's1', path: 'photos' });
  });
});
