import { useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../../src-shared/errors';
import type { RequestOf } from '../../../../src-shared/ipc/contract';
import { S3_STORAGE_CLASSES } from '../../../../src-shared/model/location-config';
import { invoke } from '../../../lib/api-client';
import { buildConfigInput, type Preset } from './editor-model';
import { typedSecrets } from './validate-form';
import {
  CheckboxField,
  MetadataKeysField,
  SecretInput,
  SelectField,
  TextField,
  type FormApi,
} from './form-controls';
import { PickButton, PickResults, usePickList, type PickList } from './pick-list';

const STORAGE_CLASS_LABELS: Record<(typeof S3_STORAGE_CLASSES)[number], string> = {
  STANDARD: 'Standard',
  STANDARD_IA: 'Standard-IA (infrequent access)',
  ONEZONE_IA: 'One Zone-IA',
  INTELLIGENT_TIERING: 'Intelligent-Tiering',
  GLACIER_IR: 'Glacier Instant Retrieval',
  GLACIER: 'Glacier Flexible Retrieval',
  DEEP_ARCHIVE: 'Glacier Deep Archive',
};

const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'sa-east-1',
];

/** "List buckets" for an S3 or S3-compatible form: the account's buckets, to pick one. */
export function useBucketList(form: FormApi, preset: Preset): PickList {
  return usePickList(async () => {
    const config = buildConfigInput(
      preset,
      form.values,
    ) as RequestOf<'locations:buckets'>['config'];
    const result = await invoke('locations:buckets', {
      config,
      secrets: typedSecrets(preset, form.values, form.secrets),
      ...(form.savedId !== null && { id: form.savedId }),
    });
    return result.ok
      ? { ok: true, value: result.value.buckets.map((bucket) => ({ value: bucket })) }
      : result;
  });
}

/** Why the buckets could not be listed, with what to do instead. */
export function explainBucketError(error: ErrorInfo): string {
  return error.code === 'permission-denied'
    ? `These credentials may not list buckets: type the name. (${error.message})`
    : error.message;
}

/** The bucket field with its "List buckets" button. */
export function BucketField(props: {
  form: FormApi;
  preset: Preset;
  hint?: string;
  disabledReason?: string | null;
}): ReactElement {
  const { form } = props;
  const buckets = useBucketList(form, props.preset);
  return (
    <TextField
      form={form}
      field="bucket"
      label="Bucket"
      mono
      placeholder="my-bucket"
      hint={props.hint}
      after={
        <PickButton list={buckets} label="List buckets" disabledReason={props.disabledReason} />
      }
      below={
        <PickResults
          list={buckets}
          noun="buckets"
          current={form.values.bucket}
          explain={explainBucketError}
          onPick={(bucket) => {
            form.set('bucket', bucket);
            form.touch('bucket');
          }}
        />
      }
    />
  );
}

/** An Amazon S3 bucket's fields: bucket, prefix, region, class, credentials; endpoint tucked away. */
export function S3Fields(props: { form: FormApi }): ReactElement {
  const { form } = props;
  const { values } = form;
  // Open at first only when something in it is set, so a saved endpoint is never hidden.
  const [advanced, setAdvanced] = useState(
    values.endpoint !== '' || values.pathStyle || values.metadataKeys !== 'both',
  );
  return (
    <>
      <div className="form-grid">
        <BucketField form={form} preset="s3" />
        <TextField
          form={form}
          field="prefix"
          label="Folder (prefix)"
          mono
          placeholder="backups/2024 (optional)"
          hint="Objects are read and written under this prefix"
        />
        <TextField
          form={form}
          field="region"
          label="Region"
          mono
          placeholder="us-east-1"
          hint="Empty: the default region of your AWS configuration"
          list="s3-regions"
          after={<RegionList />}
        />
        <SelectField
          form={form}
          field="storageClass"
          label="Storage class"
          hint="For the objects DataFerry writes"
          options={S3_STORAGE_CLASSES.map((value) => ({
            value,
            label: STORAGE_CLASS_LABELS[value],
          }))}
        />
      </div>

      <fieldset className="credentials">
        <legend>Credentials</legend>
        <div className="segmented">
          {(
            [
              ['default', 'Default chain', 'Environment, ~/.aws files, instance role'],
              ['profile', 'Profile', 'A named profile of ~/.aws/config (SSO too)'],
              ['keys', 'Access keys', 'An access key ID and its secret'],
            ] as const
          ).map(([value, label, title]) => (
            <label
              key={value}
              className={values.credentials === value ? 'checked' : ''}
              title={title}
            >
              <input
                type="radio"
                name={form.idOf('credentials')}
                value={value}
                checked={values.credentials === value}
                onChange={() => form.set('credentials', value)}
              />
              {label}
            </label>
          ))}
        </div>
        <div className="form-grid">
          {values.credentials === 'default' && (
            <p className="hint field-wide">
              The AWS SDK&rsquo;s default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the
              default profile of ~/.aws/credentials and ~/.aws/config, or the instance&rsquo;s role.
            </p>
          )}
          {values.credentials === 'profile' && (
            <TextField
              form={form}
              field="profile"
              label="Profile"
              mono
              placeholder="migration"
              hint='For an SSO profile, run "aws sso login" first'
            />
          )}
          {values.credentials === 'keys' && (
            <>
              <TextField
                form={form}
                field="accessKeyId"
                label="Access key ID"
                mono
                placeholder="AKIA…"
              />
              <SecretInput form={form} field="secretAccessKey" label="Secret access key" />
            </>
          )}
        </div>
      </fieldset>

      <details
        className="advanced"
        open={advanced}
        onToggle={(event) => setAdvanced(event.currentTarget.open)}
      >
        <summary>Advanced</summary>
        <div className="form-grid">
          <TextField
            form={form}
            field="endpoint"
            label="Endpoint"
            mono
            wide
            placeholder="https://s3.us-east-1.amazonaws.com"
            hint="Only for a VPC endpoint, a FIPS endpoint or a test server; empty for AWS's own"
          />
          <CheckboxField
            form={form}
            field="pathStyle"
            label="Path-style addressing"
            hint="endpoint/bucket/key instead of bucket.endpoint/key"
          />
          <MetadataKeysField form={form} />
        </div>
      </details>
    </>
  );
}

/** The usual regions, offered as the region field's suggestions. */
function RegionList(): ReactElement {
  return (
    <datalist id="s3-regions">
      {REGIONS.map((region) => (
        <option key={region} value={region} />
      ))}
    </datalist>
  );
}
