import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'dataferry.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

interface ThemeState {
  choice: ThemeChoice;
  /** What is shown: the choice, or the system's when the choice is 'system'. */
  theme: Theme;
  choose(choice: ThemeChoice): void;
}

function systemTheme(): Theme {
  return typeof window !== 'undefined' && window.matchMedia?.(DARK_QUERY).matches
    ? 'dark'
    : 'light';
}

function savedChoice(): ThemeChoice {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function apply(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/**
 * Light and dark themes: the system's by default (and following it when it changes), or the
 * user's override, remembered across starts. The CSS keys every colour on `html[data-theme]`.
 */
export const useThemeStore = create<ThemeState>((set) => {
  const choice = savedChoice();
  return {
    choice,
    theme: choice === 'system' ? systemTheme() : choice,
    choose(next) {
      try {
        if (next === 'system') window.localStorage.removeItem(STORAGE_KEY);
        else window.localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // Storage may be unavailable (a locked-down browser profile): the choice lasts this run.
      }
      const theme = next === 'system' ? systemTheme() : next;
      apply(theme);
      set({ choice: next, theme });
    },
  };
});

/** Applies the theme now and follows the system's while the choice is 'system'. */
export function startTheme(): void {
  apply(useThemeStore.getState().theme);
  window.matchMedia?.(DARK_QUERY).addEventListener('change', () => {
    const { choice } = useThemeStore.getState();
    if (choice !== 'system') return;
    const theme = systemTheme();
    apply(theme);
    useThemeStore.setState({ theme });
  });
}
