import { useMemo, useState } from 'react';
import type { SavedLocation } from '../../../../src-shared/model/location-config';
import {
  defaultValues,
  domainOfFsxHost,
  presetOfConfig,
  switchPreset,
  valuesOfConfig,
  type FieldErrors,
  type FieldName,
  type Preset,
  type SecretField,
  type Secrets,
  type Values,
} from './editor-model';
import { validate, type Validation } from './validate-form';
import type { FormApi } from './form-controls';

/*
 * The location form's state: the preset, the name, the values and typed secrets, which fields
 * were visited, and whether a Save or Test was attempted (then every message shows). Validation
 * runs on every change, with the contract's own schemas.
 */

const NO_SECRETS: Secrets = { password: '', secretAccessKey: '' };

export interface LocationForm {
  preset: Preset;
  name: string;
  form: FormApi;
  validation: Validation;
  /** The FSx domain follows the DNS name until the user types one. */
  domainFollowsServer: boolean;
  setName(name: string): void;
  choosePreset(preset: Preset): void;
  /** "Add the mount point as a local folder instead": a local form at `path`. */
  switchToLocalFolder(path: string): void;
  onDomainTyped(value: string): void;
  /** Shows every message from now on (a Save or Test attempt). */
  showAllErrors(): void;
}

export function useLocationForm(
  saved: SavedLocation | null,
  otherNames: readonly string[],
): LocationForm {
  const [preset, setPreset] = useState<Preset>(() =>
    saved ? presetOfConfig(saved.config) : 'local',
  );
  const [name, setName] = useState(saved?.name ?? '');
  const [values, setValues] = useState<Values>(() =>
    saved ? valuesOfConfig(saved.config) : defaultValues('local'),
  );
  const [secrets, setSecrets] = useState<Secrets>(NO_SECRETS);
  const [touched, setTouched] = useState<ReadonlySet<FieldName>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  // A saved domain is the user's own; a new FSx form fills it from the DNS name.
  const [domainFollowsServer, setDomainFollows] = useState(saved === null || !hasDomain(saved));

  const secretsSet: readonly SecretField[] = saved?.secretsSet ?? [];
  const validation = useMemo(
    () => validate({ preset, name, values, secrets, secretsSet, otherNames }),
    [preset, name, values, secrets, secretsSet, otherNames],
  );

  const shownErrors = useMemo((): FieldErrors => {
    if (submitted) return validation.errors;
    const shown: FieldErrors = {};
    for (const [field, message] of Object.entries(validation.errors)) {
      if (touched.has(field as FieldName)) shown[field as FieldName] = message;
    }
    return shown;
  }, [submitted, touched, validation.errors]);

  const touch = (field: FieldName): void =>
    setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));

  const form: FormApi = {
    values,
    secrets,
    secretsSet,
    savedId: saved?.id ?? null,
    shownErrors,
    set: (field, value) => {
      setValues((v) => ({ ...v, [field]: value }));
      touch(field);
    },
    setSecret: (field, value) => {
      setSecrets((s) => ({ ...s, [field]: value }));
      touch(field);
    },
    touch,
    idOf: (field) => `location-${field}`,
  };

  return {
    preset,
    name,
    form,
    validation,
    domainFollowsServer,
    setName: (next) => {
      setName(next);
      touch('name');
    },
    choosePreset: (next) => {
      if (next === preset) return;
      setValues((v) => switchPreset(preset, next, v));
      setPreset(next);
      // A new kind starts clean: its messages show once its fields are visited.
      setTouched((t) => (t.has('name') ? new Set<FieldName>(['name']) : new Set()));
      setSubmitted(false);
      setDomainFollows(true);
      if (next === 'fsx') {
        setValues((v) => (v.domain === '' ? { ...v, domain: domainOfFsxHost(v.server) ?? '' } : v));
      }
    },
    switchToLocalFolder: (path) => {
      setValues({ ...defaultValues('local'), path });
      setPreset('local');
    },
    onDomainTyped: (value) => {
      form.set('domain', value);
      // Emptied: follow the DNS name again.
      setDomainFollows(value.trim() === '');
    },
    showAllErrors: () => setSubmitted(true),
  };
}

function hasDomain(saved: SavedLocation): boolean {
  return saved.config.kind === 'smb' && saved.config.domain !== '';
}
