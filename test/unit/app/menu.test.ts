import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { MENU_COMMANDS } from '../../../src-shared/ipc/contract';

// Electron cannot run here: the menu's template is what matters, so buildFromTemplate returns it.
vi.mock('electron', () => ({
  app: { isPackaged: true, getVersion: () => '1.2.3' },
  Menu: { buildFromTemplate: (template: unknown) => template },
}));

const { buildAppMenu } = await import('../../../src-main/app/menu');

/** Every item with a label, flattened, with the submenu it is in. */
function items(
  template: MenuItemConstructorOptions[],
): (MenuItemConstructorOptions & { menu: string })[] {
  return template.flatMap((top) =>
    Array.isArray(top.submenu)
      ? top.submenu.map((item) => ({ ...item, menu: String(top.label ?? top.role) }))
      : [],
  );
}

describe('buildAppMenu', () => {
  it('sends each command from its menu with its shortcut', () => {
    const sent: string[] = [];
    const template = buildAppMenu((command) =>
      sent.push(command),
    ) as unknown as MenuItemConstructorOptions[];
    const all = items(template);
    const find = (label: string) => all.find((i) => i.label === label);
    const expected: [string, string, string, string][] = [
      ['&File', 'New Task', 'CmdOrCtrl+N', 'new-task'],
      ['&File', 'New Location', 'CmdOrCtrl+Shift+N', 'new-location'],
      ['&File', 'Import Preset…', 'CmdOrCtrl+O', 'import-preset'],
      ['&Go', 'Tasks', 'CmdOrCtrl+1', 'show-tasks'],
      ['&Go', 'Locations', 'CmdOrCtrl+2', 'show-locations'],
      ['&Go', 'History', 'CmdOrCtrl+3', 'show-history'],
      ['&Go', 'Files', 'CmdOrCtrl+4', 'show-files'],
      ['&Go', 'Back', 'Alt+Left', 'go-back'],
      ['&View', 'Refresh', 'F5', 'refresh'],
    ];
    for (const [menu, label, accelerator, command] of expected) {
      const item = find(label);
      expect(item, label).toMatchObject({ menu, accelerator });
      sent.length = 0;
      (item?.click as () => void)();
      expect(sent).toEqual([command]);
    }
    // Every menu command of the contract is reachable from the menu.
    const reachable = new Set<string>();
    for (const item of all) {
      if (typeof item.click !== 'function') continue;
      sent.length = 0;
      (item.click as () => void)();
      sent.forEach((c) => reachable.add(c));
    }
    expect([...reachable].sort()).toEqual([...MENU_COMMANDS].sort());
    // Accelerators are not used twice.
    const accelerators = all.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length);
    // The platform's own items stay.
    expect(all.some((i) => i.role === 'quit' || i.role === 'close')).toBe(true);
  });
});
