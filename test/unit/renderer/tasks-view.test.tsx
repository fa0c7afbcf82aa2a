// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../../src-shared/ipc/contract';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { defaultTaskOptions, type Task } from '../../../src-shared/model/task';

const invoke = vi.fn();
const saveFile = vi.fn();

vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => undefined,
  pathForFile: () => null,
  shellKind: () => 'web',
}));
vi.mock('../../../src-renderer/lib/save-file', () => ({
  saveFile: (...args: unknown[]) => saveFile(...args),
}));

const { TasksView } = await import('../../../src-renderer/features/tasks/tasks-view');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');
const { useTasksStore, IMPORT_PRESET_EVENT } =
  await import('../../../src-renderer/stores/tasks-store');

const LOCATIONS: SavedLocation[] = [
  {
    id: 'a',
    name: 'Photos',
    config: { kind: 'local', path: '/data/photos' },
    secretsSet: [],
    createdAt: 0,
    updatedAt: 0,
  },
  {
    id: 'b',
    name: 'NAS',
    config: {
      kind: 'smb',
      server: 'nas',
      port: 445,
      share: 'backup',
      path: '',
      domain: '',
      user: 'ana',
      version: 'AUTOMATIC',
    },
    secretsSet: [],
    createdAt: 0,
    updatedAt: 0,
  },
];

function task(id: string, name: string, extra: Partial<Task> = {}): Task {
  return {
    id,
    name,
    sourceLocationId: 'a',
    destinationLocationId: 'b',
    options: defaultTaskOptions(),
    includes: '',
    excludes: '',
    schedule: null,
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

let tasks: Task[];
let locations: SavedLocation[];
let importAnswer: unknown;

function answer(channel: Channel): unknown {
  switch (channel) {
    case 'tasks:list':
      return { ok: true, value: tasks };
    case 'locations:list':
      return { ok: true, value: locations };
    case 'executions:list':
      return { ok: true, value: [] };
    case 'tasks:next-runs':
      return { ok: true, value: [Date.now() + 3_600_000] };
    case 'presets:import':
      return importAnswer;
    case 'presets:export':
      return {
        ok: true,
        value: { fileName: 'nightly.dataferry.json', mimeType: 'application/json', content: '{}' },
      };
    case 'executions:start':
      return { ok: true, value: { id: 'exec-1', taskId: 't1', status: 'QUEUED', startTime: 1 } };
    case 'tasks:delete':
      tasks = tasks.filter((t) => t.id !== 't1');
      return { ok: true, value: null };
    default:
      return { ok: false, error: { code: 'not-supported', message: `${channel} not mocked` } };
  }
}

beforeEach(() => {
  tasks = [];
  locations = LOCATIONS;
  invoke.mockReset();
  saveFile.mockReset();
  invoke.mockImplementation(async (channel: Channel) => answer(channel));
  useTasksStore.setState({ tasks: [], loaded: false, error: null, importRequested: false });
  useNavStore.setState({ route: { view: 'tasks' }, back: [] });
});
afterEach(cleanup);

const fileInput = (): HTMLInputElement =>
  screen.getByLabelText('Preset file to import') as HTMLInputElement;

function choose(file: File): void {
  fireEvent.change(fileInput(), { target: { files: [file] } });
}

describe('TasksView', () => {
  it('invites a first-time user to add locations', async () => {
    locations = [];
    render(<TasksView />);
    expect(
      await screen.findByRole('heading', { name: 'Add two locations, then create a task' }),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add a location' }));
    expect(useNavStore.getState().route).toEqual({ view: 'location-editor', locationId: null });
  });

  it('lists saved tasks with their route and schedule, and runs one', async () => {
    tasks = [
      task('t1', 'Nightly', { schedule: { cron: '0 2 * * *', enabled: true } }),
      task('t2', 'Ad hoc'),
    ];
    render(<TasksView />);
    const list = await screen.findByRole('list', { name: 'Saved tasks' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    const nightly = screen.getByRole('listitem', { name: 'Nightly' });
    expect(nightly.textContent).toContain('/data/photos');
    expect(nightly.textContent).toContain('smb://nas/backup');
    await waitFor(() => expect(nightly.textContent).toContain('Every day at 02:00 · next run'));

    fireEvent.click(within(nightly).getByRole('button', { name: 'Run Nightly' }));
    await waitFor(() =>
      expect(useNavStore.getState().route).toEqual({ view: 'execution', executionId: 'exec-1' }),
    );
    expect(invoke).toHaveBeenCalledWith('executions:start', { taskId: 't1' });
  });

  it('deletes only after confirming in place, and exports a preset file', async () => {
    tasks = [task('t1', 'Nightly')];
    render(<TasksView />);
    const card = await screen.findByRole('listitem', { name: 'Nightly' });
    fireEvent.click(within(card).getByRole('button', { name: 'Export preset of Nightly' }));
    await waitFor(() =>
      expect(saveFile).toHaveBeenCalledWith(
        expect.objectContaining({ fileName: 'nightly.dataferry.json' }),
      ),
    );

    fireEvent.click(within(card).getByRole('button', { name: 'Delete Nightly' }));
    expect(invoke.mock.calls.some(([channel]) => channel === 'tasks:delete')).toBe(false);
    fireEvent.click(within(card).getByRole('button', { name: 'Delete task' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: 'Nightly' })).toBeNull());
    expect(invoke).toHaveBeenCalledWith('tasks:delete', { id: 't1' });
  });

  it('shows main’s message when a preset is refused, and changes nothing', async () => {
    importAnswer = {
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'Not a DataFerry preset: task.options.TransferMode: Invalid option',
      },
    };
    render(<TasksView />);
    await screen.findByRole('heading', { name: 'Create your first task' });
    choose(new File(['{"format":"dataferry-preset"}'], 'bad.json', { type: 'application/json' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The preset was not imported.');
    expect(alert.textContent).toContain('task.options.TransferMode: Invalid option');
    expect(invoke).toHaveBeenCalledWith('presets:import', {
      content: '{"format":"dataferry-preset"}',
    });
    expect(useNavStore.getState().route).toEqual({ view: 'tasks' });
    expect(screen.queryByRole('list', { name: 'Saved tasks' })).toBeNull();
  });

  it('refuses a file over 1 MiB before sending it', async () => {
    render(<TasksView />);
    await screen.findByRole('heading', { name: 'Create your first task' });
    choose(new File([new Uint8Array(1024 * 1024 + 1)], 'huge.json'));
    expect((await screen.findByRole('alert')).textContent).toContain('"huge.json" is 1.0 MiB');
    expect(invoke.mock.calls.some(([channel]) => channel === 'presets:import')).toBe(false);
  });

  it('names the locations whose secrets must be typed, with links to them', async () => {
    importAnswer = {
      ok: true,
      value: {
        task: task('t9', 'Imported nightly'),
        source: LOCATIONS[0],
        destination: LOCATIONS[1],
        needSecrets: [{ locationId: 'b', name: 'NAS', secrets: ['password'] }],
      },
    };
    render(<TasksView />);
    await screen.findByRole('heading', { name: 'Create your first task' });
    tasks = [task('t9', 'Imported nightly')];
    choose(new File(['{}'], 'preset.json'));

    const status = await screen.findByText(/Imported task “Imported nightly”/);
    expect(status.parentElement?.textContent).toContain('Enter the password of location NAS');
    await screen.findByRole('listitem', { name: 'Imported nightly' });
    fireEvent.click(screen.getByRole('button', { name: 'NAS' }));
    expect(useNavStore.getState().route).toEqual({ view: 'location-editor', locationId: 'b' });
  });

  it('opens the file chooser on the import-preset event (menu, Ctrl+O)', async () => {
    render(<TasksView />);
    const click = vi.spyOn(fileInput(), 'click');
    await act(async () => {
      window.dispatchEvent(new CustomEvent(IMPORT_PRESET_EVENT));
    });
    expect(click).toHaveBeenCalledTimes(1);
    expect(useTasksStore.getState().importRequested).toBe(false);
  });

  it('takes an import request made just before the list mounted', async () => {
    // The menu navigates to the list and dispatches at once, before React rendered it.
    window.dispatchEvent(new CustomEvent(IMPORT_PRESET_EVENT));
    const click = vi.spyOn(HTMLInputElement.prototype, 'click');
    render(<TasksView />);
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    click.mockRestore();
  });
});
