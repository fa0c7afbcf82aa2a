import type { ReactElement, ReactNode } from 'react';
import type {
  FieldErrors,
  FieldName,
  SecretField,
  Secrets,
  ValueField,
  Values,
} from './editor-model';

/*
 * The form's building blocks: a labelled field with its hint and its message (aria-invalid and
 * aria-describedby tie them to the control), and the inputs the kinds' field groups use.
 */

/** What every field group gets from the editor. */
export interface FormApi {
  values: Values;
  secrets: Secrets;
  secretsSet: readonly SecretField[];
  /** The saved location being edited (null for a new one): main may use its stored secrets. */
  savedId: string | null;
  /** Messages to show now: fields touched, or all after a Save or Test attempt. */
  shownErrors: FieldErrors;
  set<F extends ValueField>(field: F, value: Values[F]): void;
  setSecret(field: SecretField, value: string): void;
  /** Marks a field as visited, so its message shows from now on. */
  touch(field: FieldName): void;
  /** A DOM id for a field, unique to this form. */
  idOf(field: FieldName): string;
}

/** The props that tie a control to its label, hint and message. */
export interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/** A label, the control, a hint and (when there is one to show) the field's message. */
export function Field(props: {
  form: FormApi;
  field: FieldName;
  label: string;
  hint?: ReactNode;
  /** Spans the whole row of the grid (paths, certificates). */
  wide?: boolean;
  /** Shown under the hint (a list to pick from). */
  below?: ReactNode;
  children(control: ControlProps): ReactNode;
}): ReactElement {
  const id = props.form.idOf(props.field);
  const error = props.form.shownErrors[props.field];
  const describedBy = [error ? `${id}-error` : '', props.hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.wide ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id,
        'aria-invalid': error !== undefined,
        ...(describedBy && { 'aria-describedby': describedBy }),
      })}
      {error && (
        <span className="error" id={`${id}-error`}>
          {error}
        </span>
      )}
      {props.hint && (
        <span className="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
      {props.below}
    </div>
  );
}

/** A one-line text field bound to a value. */
export function TextField(props: {
  form: FormApi;
  field: ValueField;
  label: string;
  hint?: ReactNode;
  placeholder?: string;
  wide?: boolean;
  /** Monospace: paths, keys, host names. */
  mono?: boolean;
  inputMode?: 'numeric' | 'text' | 'url';
  /** The id of a datalist of suggestions. */
  list?: string;
  /** Shown right of the input (a "Choose…" or "List…" button). */
  after?: ReactNode;
  /** Shown under the field (what that button found). */
  below?: ReactNode;
  onChange?(value: string): void;
}): ReactElement {
  const { form, field } = props;
  return (
    <Field
      form={form}
      field={field}
      label={props.label}
      hint={props.hint}
      wide={props.wide}
      below={props.below}
    >
      {(control) => {
        const input = (
          <input
            {...control}
            type="text"
            className={props.mono ? 'mono' : undefined}
            spellCheck={false}
            autoComplete="off"
            inputMode={props.inputMode}
            list={props.list}
            placeholder={props.placeholder}
            value={String(form.values[field])}
            onChange={(event) =>
              props.onChange
                ? props.onChange(event.target.value)
                : form.set(field, event.target.value as never)
            }
            onBlur={() => form.touch(field)}
          />
        );
        return props.after ? (
          <div className="input-with-action">
            {input}
            {props.after}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}

/** A port or id: a text field that accepts digits, so "" means "the default". */
export function NumberField(props: {
  form: FormApi;
  field: ValueField;
  label: string;
  hint?: ReactNode;
  placeholder?: string;
}): ReactElement {
  return <TextField {...props} inputMode="numeric" />;
}

/** A select bound to a value. */
export function SelectField(props: {
  form: FormApi;
  field: ValueField;
  label: string;
  options: readonly { value: string; label: string }[];
  hint?: ReactNode;
}): ReactElement {
  const { form, field } = props;
  return (
    <Field form={form} field={field} label={props.label} hint={props.hint}>
      {(control) => (
        <select
          {...control}
          value={String(form.values[field])}
          onChange={(event) => form.set(field, event.target.value as never)}
        >
          {props.options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A checkbox with its label on the right and an optional hint under it. */
export function CheckboxField(props: {
  form: FormApi;
  field: 'pathStyle';
  label: string;
  hint?: ReactNode;
}): ReactElement {
  const { form } = props;
  const id = form.idOf(props.field);
  return (
    <div className="field field-check">
      <label htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={form.values[props.field]}
          aria-describedby={props.hint ? `${id}-hint` : undefined}
          onChange={(event) => form.set(props.field, event.target.checked)}
        />
        {props.label}
      </label>
      {props.hint && (
        <span className="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
    </div>
  );
}

/**
 * A write-only secret: never filled with the saved value (main never sends it); when one is
 * saved, the empty field says so, and whatever is typed replaces it.
 */
export function SecretInput(props: {
  form: FormApi;
  field: SecretField;
  label: string;
  hint?: ReactNode;
}): ReactElement {
  const { form, field } = props;
  const saved = form.secretsSet.includes(field);
  return (
    <Field
      form={form}
      field={field}
      label={props.label}
      hint={props.hint ?? (saved ? 'Saved encrypted; leave empty to keep it.' : undefined)}
    >
      {(control) => (
        <input
          {...control}
          type="password"
          autoComplete="new-password"
          placeholder={saved ? 'Saved — type to replace' : ''}
          value={form.secrets[field]}
          onChange={(event) => form.setSecret(field, event.target.value)}
          onBlur={() => form.touch(field)}
        />
      )}
    </Field>
  );
}

/** S3 kinds: which user-metadata conventions a location writes (both are always read). */
export function MetadataKeysField(props: { form: FormApi }): ReactElement {
  return (
    <SelectField
      form={props.form}
      field="metadataKeys"
      label="Metadata keys written"
      hint="Times, mode and owner as rclone (mtime, mode…) and DataSync (file-mtime…) read them"
      options={[
        { value: 'both', label: 'rclone and DataSync (both)' },
        { value: 'rclone', label: 'rclone only (mtime, mode, uid, gid)' },
        { value: 'datasync', label: 'DataSync only (file-mtime, file-permissions…)' },
      ]}
    />
  );
}
