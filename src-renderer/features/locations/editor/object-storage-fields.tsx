import { useState, type ChangeEvent, type ReactElement } from 'react';
import { BucketField } from './s3-fields';
import {
  CheckboxField,
  Field,
  MetadataKeysField,
  NumberField,
  SecretInput,
  SelectField,
  TextField,
  type FormApi,
} from './form-controls';

const PROTOCOLS = [
  { value: 'HTTPS', label: 'HTTPS' },
  { value: 'HTTP', label: 'HTTP (unencrypted)' },
];

/** The largest certificate file read into the form (the schema allows 256 KiB). */
const MAX_PEM_BYTES = 256 * 1024;

/** Self-managed S3-compatible storage: server, bucket, keys, path style, and a CA for HTTPS. */
export function ObjectStorageFields(props: { form: FormApi }): ReactElement {
  const { form } = props;
  const { values } = form;
  return (
    <>
      <div className="form-grid">
        <TextField
          form={form}
          field="server"
          label="Server"
          mono
          placeholder="minio.lan"
          hint="Host name or IP address, without http:// or a path"
        />
        <NumberField
          form={form}
          field="port"
          label="Port"
          placeholder={values.protocol === 'HTTPS' ? '443' : '80'}
          hint="Empty for the protocol's usual port"
        />
        <SelectField form={form} field="protocol" label="Protocol" options={PROTOCOLS} />
        <BucketField
          form={form}
          preset="object-storage"
          disabledReason={values.server.trim() === '' ? 'Type the server first' : null}
        />
        <TextField
          form={form}
          field="prefix"
          label="Folder (prefix)"
          mono
          placeholder="backups (optional)"
        />
        <TextField
          form={form}
          field="accessKeyId"
          label="Access key"
          mono
          hint="Empty for anonymous access"
        />
        <SecretInput form={form} field="secretAccessKey" label="Secret key" />
        <CheckboxField
          form={form}
          field="pathStyle"
          label="Path-style addressing"
          hint="server/bucket/key: what most self-hosted servers expect"
        />
        <MetadataKeysField form={form} />
      </div>
      {values.protocol === 'HTTPS' && <CaCertificate form={form} />}
    </>
  );
}

/** The CA certificate field: paste the PEM, or read it from a .pem/.crt file. */
function CaCertificate(props: { form: FormApi }): ReactElement {
  const { form } = props;
  const [fileError, setFileError] = useState<string | null>(null);

  const onFile = (event: ChangeEvent<HTMLInputElement>): void => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_PEM_BYTES) {
      setFileError(`${file.name} is larger than a certificate chain can be (256 KiB).`);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const text = String(reader.result ?? '');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) {
        setFileError(`${file.name} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
        return;
      }
      setFileError(null);
      form.set('caCertificatePem', text.trim());
      form.touch('caCertificatePem');
    };
    reader.onerror = () => setFileError(`${file.name} could not be read.`);
    reader.readAsText(file);
  };

  const fileId = `${form.idOf('caCertificatePem')}-file`;
  return (
    <div className="form-grid">
      <Field
        form={form}
        field="caCertificatePem"
        label="CA certificate (PEM)"
        wide
        hint="Only when the server's certificate comes from your own authority: paste its certificate (or chain)"
        below={
          <div className="pem-actions">
            {/* The input comes first so its focus ring can show on the label after it. */}
            <input
              id={fileId}
              className="visually-hidden"
              type="file"
              accept=".pem,.crt,.cer,application/x-pem-file"
              onChange={onFile}
            />
            <label htmlFor={fileId} className="btn btn-small">
              Read from a file…
            </label>
            {form.values.caCertificatePem !== '' && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => form.set('caCertificatePem', '')}
              >
                Clear
              </button>
            )}
            {fileError && (
              <span className="error" role="alert">
                {fileError}
              </span>
            )}
          </div>
        }
      >
        {(control) => (
          <textarea
            {...control}
            className="mono pem"
            rows={4}
            spellCheck={false}
            placeholder={'-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----'}
            value={form.values.caCertificatePem}
            onChange={(event) => form.set('caCertificatePem', event.target.value)}
            onBlur={() => form.touch('caCertificatePem')}
          />
        )}
      </Field>
    </div>
  );
}
