import { create } from 'zustand';

/**
 * Which screen the window shows. One union for the whole app, so any feature can send the user
 * to another (Run in the task list opens the execution, a history row its report...).
 */
export type Route =
  | { view: 'tasks' }
  /** A new task (taskId null), optionally with its source or destination already chosen. */
  | {
      view: 'task-editor';
      taskId: string | null;
      sourceLocationId?: string;
      destinationLocationId?: string;
      includes?: string;
    }
  | { view: 'locations' }
  /** The add form (locationId null) or the edit form of a saved location. */
  | { view: 'location-editor'; locationId: string | null }
  | { view: 'location-browser'; locationId: string }
  | { view: 'execution'; executionId: string }
  | { view: 'history' }
  | { view: 'files' };

export type View = Route['view'];

interface NavState {
  route: Route;
  /** Screens left, for Back. */
  back: Route[];
  go(route: Route): void;
  goBack(): void;
}

const MAX_BACK = 50;

export const useNavStore = create<NavState>((set, get) => ({
  route: { view: 'tasks' },
  back: [],
  go(route) {
    const { route: from, back } = get();
    if (JSON.stringify(from) === JSON.stringify(route)) return;
    set({ route, back: [...back, from].slice(-MAX_BACK) });
  },
  goBack() {
    const back = [...get().back];
    const previous = back.pop();
    if (previous) set({ route: previous, back });
  },
}));

/** Shorthand for event handlers outside React components. */
export function navigate(route: Route): void {
  useNavStore.getState().go(route);
}
