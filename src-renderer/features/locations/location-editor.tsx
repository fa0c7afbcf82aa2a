import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { invoke } from '../../lib/api-client';
import { useLocationsStore } from '../../stores/locations-store';
import { navigate } from '../../stores/nav-store';
import { describeLocation } from './describe-location';
import { presetInfo, type Preset } from './editor/editor-model';
import { sameConfig, typedSecrets } from './editor/validate-form';
import { EfsFields } from './editor/efs-fields';
import { KindPicker } from './editor/kind-picker';
import { LocalFields } from './editor/local-fields';
import { NfsFields } from './editor/nfs-fields';
import { ObjectStorageFields } from './editor/object-storage-fields';
import { S3Fields } from './editor/s3-fields';
import { SmbFields } from './editor/smb-fields';
import { TestOutcome, type TestState } from './editor/test-outcome';
import { useLocationForm, type LocationForm } from './editor/use-location-form';
import './location-editor.css';

/**
 * The add form (locationId null) or the edit form of a saved location: the kind, then only that
 * kind's fields, checked as they are typed; Test connection; Save.
 */
export function LocationEditor(props: { locationId: string | null }): ReactElement {
  const [saved, setSaved] = useState<SavedLocation | null>(null);
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    if (props.locationId === null) return;
    void invoke('locations:get', { id: props.locationId }).then((result) => {
      if (result.ok) setSaved(result.value);
      else setLoadError(result.error);
    });
  }, [props.locationId]);

  if (props.locationId !== null && saved === null) {
    return (
      <section className="page location-editor" aria-label="Edit location">
        {loadError ? (
          <div className="notice notice-error" role="alert">
            <strong>This location could not be opened.</strong> {loadError.message}
          </div>
        ) : (
          <p className="placeholder">Loading…</p>
        )}
      </section>
    );
  }
  return <EditorForm saved={saved} />;
}

function EditorForm(props: { saved: SavedLocation | null }): ReactElement {
  const { saved } = props;
  const { locations, load, create, update, test } = useLocationsStore();
  useEffect(() => {
    void load();
  }, [load]);
  const otherNames = useMemo(
    () => locations.filter((l) => l.id !== saved?.id).map((l) => l.name),
    [locations, saved],
  );
  const state = useLocationForm(saved, otherNames);
  const { form, validation, preset } = state;
  const kind = presetInfo(preset).kind;

  const [testState, setTestState] = useState<TestState>({ status: 'idle' });
  const [testedConfig, setTestedConfig] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ErrorInfo | null>(null);
  // Counts refused Save/Test attempts: each moves the focus to the first field with a message.
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  // After a refused Save or Test, the first field with a message gets the focus.
  useEffect(() => {
    if (focusRequest === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  const secrets = typedSecrets(preset, form.values, form.secrets);
  const unchanged =
    saved !== null && validation.config !== null && sameConfig(validation.config, saved.config);
  const configKey = JSON.stringify([validation.config, secrets]);

  const refuse = (): void => {
    state.showAllErrors();
    setFocusRequest((n) => n + 1);
  };

  const runTest = async (): Promise<void> => {
    const { config } = validation;
    if (config === null) return refuse();
    // The saved secrets stay in main: a saved location is tested by id, and an edited one by id
    // and config (main adds the secrets that were not typed while server and account stay).
    const request = saved
      ? unchanged && Object.keys(secrets).length === 0
        ? { id: saved.id }
        : { id: saved.id, config, secrets }
      : { config, secrets };
    setTestState({ status: 'running' });
    setTestedConfig(configKey);
    const result = await test(request);
    setTestState(
      result.ok
        ? { status: 'ok', message: result.value.message }
        : { status: 'failed', error: result.error },
    );
    // The outcome appears under a long form: bring it into view once it is rendered.
    requestAnimationFrame(() =>
      formRef.current
        ?.querySelector('[data-testid="test-outcome"]')
        ?.scrollIntoView?.({ block: 'nearest' }),
    );
  };

  const save = async (event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    const { config } = validation;
    if (!validation.valid || config === null) return refuse();
    setSaving(true);
    setSaveError(null);
    const name = state.name.trim();
    const withSecrets = Object.keys(secrets).length > 0 ? { secrets } : {};
    const result = saved
      ? await update({ id: saved.id, name, config, ...withSecrets })
      : await create({ name, config, ...withSecrets });
    setSaving(false);
    if (!result.ok) {
      setSaveError(result.error);
      return;
    }
    void load();
    navigate({ view: 'locations' });
  };

  const title = saved ? `Edit “${saved.name}”` : 'Add location';
  return (
    <section className="page location-editor" aria-label={saved ? 'Edit location' : 'Add location'}>
      <header className="page-header">
        <h1>{title}</h1>
        <p className="subtitle">
          {saved
            ? 'Passwords and secret keys are never shown: type one only to replace it.'
            : 'Choose what kind of place it is, then where it is and how to log on.'}
        </p>
      </header>
      <form ref={formRef} className="editor-form" noValidate onSubmit={(e) => void save(e)}>
        {saved === null && <KindPicker value={preset} onChange={state.choosePreset} />}

        <div className="card editor-card">
          <h2>
            {presetInfo(preset).title}
            {saved && <span className="badge">{presetInfo(preset).summary}</span>}
          </h2>
          <NameField state={state} />
          <KindFields state={state} preset={preset} />
          {validation.config && (
            <p className="editor-preview">
              <span>Address</span>
              <code>{describeLocation(validation.config)}</code>
            </p>
          )}
        </div>

        <TestOutcome
          state={testState}
          kind={kind}
          stale={testState.status !== 'running' && testedConfig !== configKey}
        />
        {saveError && (
          <div className="notice notice-error" role="alert">
            <strong>Not saved.</strong> {saveError.message}
          </div>
        )}

        <footer className="editor-actions">
          <button
            type="button"
            className="btn"
            disabled={testState.status === 'running'}
            onClick={() => void runTest()}
          >
            Test connection
          </button>
          <span className="spacer" />
          {focusRequest > 0 && !validation.valid && (
            <span className="editor-attention" role="status">
              {attentionText(Object.keys(form.shownErrors).length)}
            </span>
          )}
          <button type="button" className="btn" onClick={() => navigate({ view: 'locations' })}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={saving}>
            {saving ? 'Saving…' : preset === 'efs' ? 'Save as local folder' : 'Save'}
          </button>
        </footer>
      </form>
    </section>
  );
}

function attentionText(count: number): string {
  return count === 1 ? '1 field needs attention' : `${count} fields need attention`;
}

function NameField(props: { state: LocationForm }): ReactElement {
  const { state } = props;
  const error = state.form.shownErrors.name;
  return (
    <div className="field editor-name">
      <label htmlFor="location-name">Name</label>
      <input
        id="location-name"
        value={state.name}
        placeholder="e.g. Finance share, Photos bucket"
        aria-invalid={error !== undefined}
        aria-describedby={error ? 'location-name-error' : undefined}
        onChange={(event) => state.setName(event.target.value)}
        onBlur={() => state.form.touch('name')}
      />
      {error && (
        <span className="error" id="location-name-error">
          {error}
        </span>
      )}
    </div>
  );
}

function KindFields(props: { state: LocationForm; preset: Preset }): ReactElement {
  const { state } = props;
  switch (props.preset) {
    case 'local':
      return <LocalFields form={state.form} />;
    case 'smb':
    case 'fsx':
      return (
        <SmbFields
          form={state.form}
          fsx={props.preset === 'fsx'}
          domainFollowsServer={state.domainFollowsServer}
          onDomainTyped={state.onDomainTyped}
        />
      );
    case 'nfs':
      return <NfsFields form={state.form} onUseMountPoint={state.switchToLocalFolder} />;
    case 'efs':
      return <EfsFields form={state.form} />;
    case 's3':
      return <S3Fields form={state.form} />;
    case 'object-storage':
      return <ObjectStorageFields form={state.form} />;
  }
}
