/** Facts about the running application that the UI shows and starts from. */
export interface AppInfo {
  name: string;
  version: string;
  platform: string;
  arch: string;
  /** Where DataFerry keeps its settings, history and logs. */
  dataDir: string;
  /** The user's home folder: where the file browser opens. */
  homeDir: string;
  /** Which shell is running the UI: the desktop app or the headless web host. */
  shell: 'desktop' | 'web';
}
