import type { ReactElement } from 'react';
import { invoke } from '../../../lib/api-client';
import { nfs4MountCommand, parseEfsHost } from '../../../../src-shared/model/nfs-mount';
import { efsCommand } from './editor-model';
import { NumberField, SelectField, TextField, type FormApi } from './form-controls';
import { MountCommand } from './mount-command';
import { PickButton, PickResults, usePickList } from './pick-list';

const VERSIONS = [
  { value: 'NFS3', label: 'NFSv3' },
  { value: 'AUTOMATIC', label: 'Automatic (NFSv3)' },
  { value: 'NFS4_0', label: 'NFS 4.0 (through a system mount)' },
  { value: 'NFS4_1', label: 'NFS 4.1 (through a system mount)' },
];

/** An NFS export's fields; NFS 4.x and EFS hosts get the mount command to use instead. */
export function NfsFields(props: {
  form: FormApi;
  /** Switches the form to a local folder at this path ("use the mount point instead"). */
  onUseMountPoint(path: string): void;
}): ReactElement {
  const { form } = props;
  const { values } = form;
  const server = values.server.trim();
  const exports = usePickList(async () => {
    const mountPort = Number(values.mountPort.trim() || '0');
    const result = await invoke('locations:exports', {
      server,
      mountPort: Number.isInteger(mountPort) ? mountPort : 0,
    });
    return result.ok
      ? {
          ok: true,
          value: result.value.exports.map((e) => ({
            value: e.path,
            detail: e.allowed.length > 0 ? `for ${e.allowed.join(', ')}` : 'for everyone',
          })),
        }
      : result;
  });

  return (
    <>
      <div className="form-grid">
        <TextField
          form={form}
          field="server"
          label="Server"
          mono
          placeholder="nas.corp.example.com"
          hint="Host name or IP address of the NFS server"
        />
        <NumberField
          form={form}
          field="port"
          label="NFS port"
          placeholder="2049"
          hint="0 asks the server's portmapper"
        />
        <NumberField
          form={form}
          field="mountPort"
          label="Mount port"
          placeholder="0"
          hint="0 asks the portmapper (usual)"
        />
        <TextField
          form={form}
          field="export"
          label="Export"
          mono
          placeholder="/srv/data"
          after={
            <PickButton
              list={exports}
              label="List exports"
              disabledReason={server === '' ? 'Type the server first' : null}
            />
          }
          below={
            <PickResults
              list={exports}
              noun="exports"
              current={values.export}
              onPick={(path) => {
                form.set('export', path);
                form.touch('export');
              }}
            />
          }
        />
        <TextField
          form={form}
          field="path"
          label="Folder in the export"
          mono
          placeholder="projects (optional)"
          hint="Leave empty for the export's top folder"
        />
        <NumberField
          form={form}
          field="uid"
          label="UID"
          placeholder="0"
          hint="The user id DataFerry acts as (AUTH_SYS)"
        />
        <NumberField form={form} field="gid" label="GID" placeholder="0" hint="Its group id" />
        <SelectField form={form} field="version" label="NFS version" options={VERSIONS} />
      </div>
      <Nfs4Notice form={form} onUseMountPoint={props.onUseMountPoint} />
    </>
  );
}

/** For NFS 4.x or an EFS host: why our client cannot, and the mount that can. */
function Nfs4Notice(props: {
  form: FormApi;
  onUseMountPoint(path: string): void;
}): ReactElement | null {
  const { values } = props.form;
  const efs = parseEfsHost(values.server);
  const v4 = values.version === 'NFS4_0' || values.version === 'NFS4_1';
  if (!efs && !v4) return null;
  const mountPoint = values.mountPoint.trim() || '/mnt/nfs';
  // The location's folder inside the export is that folder under the mount point.
  const folder = values.path.trim().replace(/^\/+|\/+$/g, '');
  const localPath = folder ? `${mountPoint.replace(/\/+$/, '')}/${folder}` : mountPoint;
  let command: string;
  if (efs) {
    const built = efsCommand({ ...values, region: efs.region, mountPoint });
    command = 'command' in built ? built.command : built.error;
  } else {
    command = nfs4MountCommand({
      server: values.server.trim() || 'SERVER',
      exportPath: values.export.trim() || '/',
      version: values.version === 'NFS4_0' ? '4.0' : '4.1',
      mountPoint,
    });
  }
  return (
    <div className="notice kind-notice nfs4-notice">
      <p>
        <strong>{efs ? 'Amazon EFS speaks NFS 4.1 only.' : 'NFS 4 needs a system mount.'}</strong>{' '}
        DataFerry&rsquo;s own NFS client speaks NFSv3. Mount the export with the system, then add
        the mount point as a local folder:
      </p>
      <div className="form-grid">
        <TextField form={props.form} field="mountPoint" label="Mount point" mono />
      </div>
      <MountCommand command={command} />
      <button type="button" className="btn" onClick={() => props.onUseMountPoint(localPath)}>
        Add {localPath} as a local folder instead
      </button>
    </div>
  );
}
