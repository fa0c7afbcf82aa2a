import type { ReactElement } from 'react';
import { efsCommand, regionOfEfsHost } from './editor-model';
import { TextField, type FormApi } from './form-controls';
import { MountCommand } from './mount-command';

/**
 * Amazon EFS: the file system and where to mount it. EFS speaks NFS 4.1 only and DataFerry's
 * client speaks NFSv3, so what is saved is a local folder at the mount point; the form gives the
 * mount command AWS documents for it.
 */
export function EfsFields(props: { form: FormApi }): ReactElement {
  const { form } = props;
  const { values } = form;
  const built = efsCommand(values);

  const onServer = (server: string): void => {
    form.set('server', server);
    const region = regionOfEfsHost(server);
    if (region) form.set('region', region);
  };

  return (
    <>
      <div className="notice kind-notice">
        <p>
          <strong>Amazon EFS speaks NFS 4.1, and DataFerry&rsquo;s NFS client speaks NFSv3.</strong>{' '}
          Mount the file system with the system&rsquo;s own NFS client (on an EC2 instance or over a
          VPN or Direct Connect link to its VPC), and DataFerry uses the mount point as a local
          folder.
        </p>
      </div>
      <div className="form-grid">
        <TextField
          form={form}
          field="server"
          label="File system"
          mono
          placeholder="fs-xxxx.efs.REGION.amazonaws.com"
          hint="The mount target's DNS name, or the file system ID (fs-0123456789abcdef0)"
          onChange={onServer}
        />
        <TextField
          form={form}
          field="region"
          label="Region"
          mono
          placeholder="us-east-1"
          hint="Taken from the DNS name when there is one"
        />
        <TextField
          form={form}
          field="mountPoint"
          label="Mount point"
          mono
          placeholder="/mnt/efs"
          hint="An empty folder of this computer to mount the file system on"
        />
      </div>
      <div className="field">
        <span className="field-label">Mount command</span>
        {'command' in built ? (
          <MountCommand command={built.command} />
        ) : (
          <p className="hint">Type the file system to see the command to run.</p>
        )}
      </div>
    </>
  );
}
