// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../../src-shared/ipc/contract';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { defaultTaskOptions } from '../../../src-shared/model/task';

const invoke = vi.fn();

vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => undefined,
  pathForFile: () => null,
  shellKind: () => 'web',
}));
// The browser pane is another feature's, tested there; here it only has to exist.
vi.mock('../../../src-renderer/features/locations/browser-pane', () => ({
  BrowserPane: () => <div data-testid="browser-pane" />,
}));

const { TaskEditor } = await import('../../../src-renderer/features/tasks/task-editor');
const { previewText } = await import('../../../src-renderer/features/tasks/filters-section');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');
const { useLocationsStore } = await import('../../../src-renderer/stores/locations-store');
const { FOLDER_MIME } = await import('../../../src-renderer/lib/drag-folder');

function location(id: string, name: string, path: string): SavedLocation {
  return {
    id,
    name,
    config: { kind: 'local', path },
    secretsSet: [],
    createdAt: 0,
    updatedAt: 0,
  };
}

const SOURCE = location('src', 'Photos', '/data/photos');
const DESTINATION = location('dst', 'Backup', '/backup');
const DERIVED = location('derived', 'Photos/2024', '/data/photos/2024');

let savedLocations: SavedLocation[];
let preview = {
  matchedFiles: 1234,
  matchedBytes: 2.3 * 1024 ** 3,
  examinedFiles: 5678,
  complete: true,
};

function answer(channel: Channel, request: Record<string, unknown>): unknown {
  switch (channel) {
    case 'locations:list':
      return { ok: true, value: savedLocations };
    case 'locations:derive':
      savedLocations = [...savedLocations, DERIVED];
      return { ok: true, value: DERIVED };
    case 'tasks:create':
      return { ok: true, value: { ...(request as object), id: 't1', createdAt: 0, updatedAt: 0 } };
    case 'tasks:preview-filter':
      return { ok: true, value: preview };
    case 'tasks:next-runs':
      return { ok: true, value: [Date.UTC(2030, 0, 1, 2), Date.UTC(2030, 0, 2, 2)] };
    case 'tasks:list':
    case 'executions:list':
      return { ok: true, value: [] };
    default:
      return { ok: false, error: { code: 'not-supported', message: `${channel} not mocked` } };
  }
}

beforeEach(() => {
  savedLocations = [SOURCE, DESTINATION];
  preview = {
    matchedFiles: 1234,
    matchedBytes: 2.3 * 1024 ** 3,
    examinedFiles: 5678,
    complete: true,
  };
  invoke.mockReset();
  invoke.mockImplementation(async (channel: Channel, request: Record<string, unknown>) =>
    answer(channel, request),
  );
  useLocationsStore.setState({ locations: [], loaded: false, loading: false, error: null });
  useNavStore.setState({ route: { view: 'tasks' }, back: [] });
  localStorage.clear();
});
afterEach(cleanup);

async function renderEditor(
  extra: { sourceLocationId?: string; destinationLocationId?: string } = {},
) {
  render(<TaskEditor route={{ view: 'task-editor', taskId: null, ...extra }} />);
  await screen.findByRole('region', { name: 'Source' });
}

const select = (name: string): HTMLSelectElement => screen.getByRole('combobox', { name });

describe('TaskEditor', () => {
  it('explains a refused option combination next to the option and disables Save', async () => {
    await renderEditor({ sourceLocationId: 'src', destinationLocationId: 'dst' });
    fireEvent.change(select('Deleted files'), { target: { value: 'REMOVE' } });
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
    fireEvent.change(select('Transfer mode'), { target: { value: 'ALL' } });

    const field = select('Deleted files');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(field.getAttribute('aria-describedby') ?? '');
    expect(message?.textContent).toContain(
      'PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED',
    );
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    expect(
      (screen.getByRole('button', { name: 'Save and run' }) as HTMLButtonElement).disabled,
    ).toBe(true);
    expect(
      screen.getByText(/Cannot save yet: fix the problem shown at Deleted files/),
    ).toBeTruthy();

    // Resetting the offending option clears it.
    fireEvent.click(screen.getByRole('button', { name: 'Reset Transfer mode to the default' }));
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
    expect(select('Deleted files').getAttribute('aria-invalid')).toBeNull();
  });

  it('sends a changed option in tasks:create, exactly', async () => {
    await renderEditor({ sourceLocationId: 'src', destinationLocationId: 'dst' });
    // The name was suggested from the two locations; the user types their own.
    await waitFor(() =>
      expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe(
        'Photos to Backup',
      ),
    );
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), {
      target: { value: '  Nightly photos ' },
    });
    fireEvent.change(select('Verify data'), { target: { value: 'POINT_IN_TIME_CONSISTENT' } });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Files at once' }), {
      target: { value: '16' },
    });
    fireEvent.change(screen.getByRole('textbox', { name: 'Exclude' }), {
      target: { value: '*.tmp\n\n/cache\n' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(useNavStore.getState().route).toEqual({ view: 'tasks' }));
    const create = invoke.mock.calls.filter(([channel]) => channel === 'tasks:create');
    expect(create).toEqual([
      [
        'tasks:create',
        {
          name: 'Nightly photos',
          sourceLocationId: 'src',
          destinationLocationId: 'dst',
          options: {
            ...defaultTaskOptions(),
            VerifyMode: 'POINT_IN_TIME_CONSISTENT',
            Parallelism: 16,
          },
          includes: '',
          excludes: '*.tmp|/cache',
          schedule: null,
        },
      ],
    ]);
  });

  it('refuses the same location twice and asks for a name before sending', async () => {
    await renderEditor({ sourceLocationId: 'src', destinationLocationId: 'src' });
    const destination = screen.getByRole('region', { name: 'Destination' });
    expect(within(destination).getByRole('alert').textContent).toContain(
      'must be a different location',
    );
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(select('Destination location'), { target: { value: 'dst' } });
    // The suggestion fills the name; clearing it makes Save complain instead of sending.
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe(
      'Photos to Backup',
    );
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Give the task a name.')).toBeTruthy();
    expect(invoke.mock.calls.some(([channel]) => channel === 'tasks:create')).toBe(false);
  });

  it('fills a slot from a dropped folder inside a location, via locations:derive', async () => {
    await renderEditor();
    const slot = screen.getByRole('region', { name: 'Source' });
    const payload = JSON.stringify({
      kind: 'location',
      locationId: 'src',
      path: '2024',
      label: '2024',
    });
    const dataTransfer = {
      types: [FOLDER_MIME, 'text/plain'],
      getData: (type: string) => (type === FOLDER_MIME ? payload : ''),
      dropEffect: 'none',
      files: [],
      items: [],
    };
    fireEvent.dragEnter(slot, { dataTransfer });
    fireEvent.dragOver(slot, { dataTransfer });
    expect(slot.className).toContain('drag-over');
    fireEvent.drop(slot, { dataTransfer });

    await waitFor(() => expect(select('Source location').value).toBe('derived'));
    expect(invoke).toHaveBeenCalledWith('locations:derive', { id: 'src', path: '2024' });
    expect(within(slot).getByText('/data/photos/2024')).toBeTruthy();
    expect(slot.className).not.toContain('drag-over');
  });

  it('a dropped location root is used as it is, without deriving', async () => {
    await renderEditor();
    const slot = screen.getByRole('region', { name: 'Destination' });
    const payload = JSON.stringify({ kind: 'location', locationId: 'dst', path: '', label: 'x' });
    fireEvent.drop(slot, {
      dataTransfer: { types: [FOLDER_MIME], getData: () => payload, files: [], items: [] },
    });
    await waitFor(() => expect(select('Destination location').value).toBe('dst'));
    expect(invoke.mock.calls.some(([channel]) => channel === 'locations:derive')).toBe(false);
  });

  it('previews what the filters match once typing pauses', async () => {
    await renderEditor({ sourceLocationId: 'src' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Include' }), {
      target: { value: '/photos/*\n*.jpg' },
    });
    await waitFor(() =>
      expect(screen.getByText(/of 5,678 files match/).textContent).toBe(
        '1,234 of 5,678 files match (2.3 GiB)',
      ),
    );
    const calls = invoke.mock.calls.filter(([channel]) => channel === 'tasks:preview-filter');
    // Debounced: the mount and the edit within 400 ms ask once, with the joined patterns.
    expect(calls).toEqual([
      [
        'tasks:preview-filter',
        { sourceLocationId: 'src', includes: '/photos/*|*.jpg', excludes: '' },
      ],
    ]);
  });

  it('says "at least" when the preview stopped early, and shows its error otherwise', async () => {
    expect(
      previewText({ matchedFiles: 10, matchedBytes: 2048, examinedFiles: 200000, complete: false }),
    ).toBe(
      'At least 10 of the first 200,000 files match (2.0 KiB): the source is large, so the preview stopped early',
    );
    invoke.mockImplementation(async (channel: Channel, request: Record<string, unknown>) =>
      channel === 'tasks:preview-filter'
        ? { ok: false, error: { code: 'invalid-input', message: 'Bad pattern: "**"' } }
        : answer(channel, request),
    );
    await renderEditor({ sourceLocationId: 'src' });
    expect(
      await screen.findByText('Cannot preview: Bad pattern: "**"', {}, { timeout: 2000 }),
    ).toBeTruthy();
  });

  it('shows the next runs of a schedule and refuses an invalid cron', async () => {
    await renderEditor({ sourceLocationId: 'src', destinationLocationId: 'dst' });
    fireEvent.click(screen.getByRole('checkbox', { name: /Run on a schedule/ }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Next runs' })).toBeTruthy());
    expect(await screen.findAllByRole('listitem')).toHaveLength(2);

    invoke.mockImplementation(async (channel: Channel, request: Record<string, unknown>) =>
      channel === 'tasks:next-runs'
        ? { ok: false, error: { code: 'invalid-input', message: 'Invalid value for hour: 25' } }
        : answer(channel, request),
    );
    await act(async () => {
      fireEvent.change(screen.getByRole('textbox', { name: 'Cron expression' }), {
        target: { value: '0 25 * * *' },
      });
    });
    expect(await screen.findByText('Invalid value for hour: 25')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
