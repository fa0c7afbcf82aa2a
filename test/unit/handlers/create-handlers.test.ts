import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../../src-shared/ipc/contract';
import { openRig } from '../services/service-fixture';

// The handler object both transports serve: every channel present, and the desktop-only ones
// answering not-supported where there is no desktop (the web host, the tests).

describe('createHandlers', () => {
  it('answers dialog:pick-folder with not-supported without a desktop', async () => {
    const rig = await openRig();
    const answer = await rig.call('dialog:pick-folder', { title: 'Choose the source' });
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'not-supported',
        message:
          "The web host cannot open this computer's folder picker: use the folder browser instead",
      },
    });
  });

  it("opens the desktop's folder picker with the title, and passes a cancel on as null", async () => {
    const pickFolder = vi
      .fn<(title?: string) => Promise<string | null>>()
      .mockResolvedValueOnce('/home/ana/Photos')
      .mockResolvedValueOnce(null);
    const rig = await openRig({ pickFolder });
    expect(await rig.value('dialog:pick-folder', { title: 'Choose the source' })).toEqual({
      path: '/home/ana/Photos',
    });
    expect(pickFolder).toHaveBeenCalledWith('Choose the source');
    expect(await rig.value('dialog:pick-folder', {})).toEqual({ path: null });
    expect(pickFolder).toHaveBeenLastCalledWith(undefined);
  });

  it('refuses an oversized title before asking the desktop', async () => {
    const pickFolder = vi.fn(async () => '/x');
    const rig = await openRig({ pickFolder });
    const answer = await rig.call('dialog:pick-folder', { title: 't'.repeat(201) });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(pickFolder).not.toHaveBeenCalled();
  });

  it('has a handler for every channel of the contract', async () => {
    const rig = await openRig();
    for (const channel of CHANNELS) {
      const answer = await rig.call(channel, {} as never);
      // A missing handler would throw a TypeError, answered as `unknown`.
      if (!answer.ok) expect(answer.error.code, channel).not.toBe('unknown');
    }
  });
});
