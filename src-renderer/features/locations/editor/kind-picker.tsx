import type { ReactElement } from 'react';
import type { LocationKind } from '../../../../src-shared/model/location-config';
import { KindIcon } from '../kind-icon';
import { PRESETS, type Preset } from './editor-model';

/** The icon of a preset: FSx is SMB, EFS is NFS to the eye. */
const ICON_KIND: Record<Preset, LocationKind> = {
  local: 'local',
  smb: 'smb',
  fsx: 'smb',
  nfs: 'nfs',
  efs: 'nfs',
  s3: 's3',
  'object-storage': 'object-storage',
};

/**
 * The kind of location as radio cards: native radios (arrow keys move between them), each with
 * a title and one line of what it is for.
 */
export function KindPicker(props: { value: Preset; onChange(preset: Preset): void }): ReactElement {
  return (
    <fieldset className="kind-picker">
      <legend>Kind of location</legend>
      <div className="kind-cards">
        {PRESETS.map((preset) => {
          const checked = preset.id === props.value;
          return (
            <label key={preset.id} className={checked ? 'kind-card checked' : 'kind-card'}>
              <input
                type="radio"
                name="location-kind"
                value={preset.id}
                checked={checked}
                aria-label={preset.title}
                aria-describedby={`kind-${preset.id}-summary`}
                onChange={() => props.onChange(preset.id)}
              />
              <span className={`location-kind kind-card-icon kind-${ICON_KIND[preset.id]}`}>
                <KindIcon kind={ICON_KIND[preset.id]} />
              </span>
              <span className="kind-card-text">
                <span className="kind-card-title">{preset.title}</span>
                <span className="kind-card-summary" id={`kind-${preset.id}-summary`}>
                  {preset.summary}
                </span>
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
