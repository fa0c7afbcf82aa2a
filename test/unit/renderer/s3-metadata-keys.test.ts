import { describe, expect, it } from 'vitest';
import { locationConfigSchema } from '../../../src-shared/model/location-config';
import {
  buildConfigInput,
  defaultValues,
  valuesOfConfig,
} from '../../../src-renderer/features/locations/editor/editor-model';

describe('the S3 forms: metadata keys written (issue 15, item 6)', () => {
  it('keeps the default out of the config and carries a choice through save and edit', () => {
    const s3 = { ...defaultValues('s3'), bucket: 'my-bucket' };
    expect(buildConfigInput('s3', s3)).not.toHaveProperty('metadataKeys');
    const chosen = locationConfigSchema.parse(
      buildConfigInput('s3', { ...s3, metadataKeys: 'datasync' }),
    );
    expect(chosen).toMatchObject({ kind: 's3', metadataKeys: 'datasync' });
    expect(valuesOfConfig(chosen).metadataKeys).toBe('datasync');
    const other = { ...defaultValues('object-storage'), server: 'minio.lan', bucket: 'b' };
    expect(
      locationConfigSchema.parse(
        buildConfigInput('object-storage', { ...other, metadataKeys: 'rclone' }),
      ),
    ).toMatchObject({ metadataKeys: 'rclone' });
    expect(
      valuesOfConfig(locationConfigSchema.parse(buildConfigInput('s3', s3))).metadataKeys,
    ).toBe('both');
  });
});
