import { useState, type ReactElement } from 'react';
import { invoke } from '../../../lib/api-client';
import { useAppStore } from '../../../stores/app-store';
import { FolderPicker } from '../folder-picker';
import { TextField, type FormApi } from './form-controls';

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/**
 * A folder of this computer: typed, or chosen with the system's dialog (desktop) or, where
 * there is none (the web host), with a folder browser inside the page.
 */
export function LocalFields(props: { form: FormApi }): ReactElement {
  const { form } = props;
  const homeDir = useAppStore((s) => s.info?.homeDir ?? '/');
  const [picking, setPicking] = useState(false);
  const [choosing, setChoosing] = useState(false);
  const [pickError, setPickError] = useState<string | null>(null);

  const choose = async (): Promise<void> => {
    setPickError(null);
    setChoosing(true);
    const result = await invoke('dialog:pick-folder', { title: 'Choose the folder' });
    setChoosing(false);
    if (result.ok) {
      if (result.value.path !== null) {
        form.set('path', result.value.path);
        form.touch('path');
      }
    } else if (result.error.code === 'not-supported') {
      setPicking(true);
    } else {
      setPickError(result.error.message);
    }
  };

  const typed = form.values.path.trim();
  return (
    <div className="form-grid">
      <TextField
        form={form}
        field="path"
        label="Folder"
        mono
        wide
        placeholder={homeDir}
        hint={
          pickError ??
          'Any folder this computer sees, including shares the system has mounted (NFS, SMB, EFS)'
        }
        after={
          <button
            type="button"
            className="btn"
            disabled={choosing || picking}
            onClick={() => void choose()}
          >
            Choose…
          </button>
        }
        below={
          picking && (
            <FolderPicker
              start={ABSOLUTE.test(typed) ? typed : homeDir}
              onCancel={() => setPicking(false)}
              onPick={(path) => {
                form.set('path', path);
                form.touch('path');
                setPicking(false);
              }}
            />
          )
        }
      />
    </div>
  );
}
