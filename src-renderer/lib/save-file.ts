import type { ExportedFile } from '../../src-shared/ipc/contract';

/**
 * Hands a file the main process produced (a report, a preset) to the user as a download: the
 * browser's save flow in the web host, Electron's save dialog in the desktop app. The object URL
 * is released once the click has been dispatched.
 */
export function saveFile(file: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
