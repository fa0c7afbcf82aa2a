import type { ReactElement } from 'react';
import { FSX_WINDOWS_PRESET } from '../../../../src-shared/model/fsx-windows';
import { domainOfFsxHost } from './editor-model';
import { NumberField, SecretInput, SelectField, TextField, type FormApi } from './form-controls';

const VERSIONS = [
  { value: 'AUTOMATIC', label: 'Automatic (highest both sides speak)' },
  { value: 'SMB3', label: 'SMB 3.x' },
  { value: 'SMB2', label: 'SMB 2.1' },
  { value: 'SMB2_0', label: 'SMB 2.0' },
];

/**
 * An SMB share's fields; with `fsx`, FSx for Windows' hints, and the domain taken from the file
 * system's DNS name as it is typed (until the user types a domain of their own).
 */
export function SmbFields(props: {
  form: FormApi;
  fsx: boolean;
  /** True while the domain follows the server name (the user has not typed one). */
  domainFollowsServer: boolean;
  onDomainTyped(value: string): void;
}): ReactElement {
  const { form, fsx } = props;
  const hints = fsx ? FSX_WINDOWS_PRESET.hints : null;

  const onServer = (server: string): void => {
    form.set('server', server);
    if (fsx && props.domainFollowsServer) form.set('domain', domainOfFsxHost(server) ?? '');
  };

  return (
    <>
      {fsx && (
        <p className="notice kind-notice">
          FSx for Windows File Server is an SMB share: use the file system&rsquo;s DNS name and a
          user of the Active Directory domain it joined. The defaults below are FSx&rsquo;s.
        </p>
      )}
      <div className="form-grid">
        <TextField
          form={form}
          field="server"
          label={fsx ? 'File system DNS name' : 'Server'}
          mono
          placeholder={fsx ? 'amznfsxabcd1234.corp.example.com' : 'fileserver.corp.example.com'}
          hint={hints?.server ?? 'Host name or IP address of the file server'}
          onChange={onServer}
        />
        <NumberField form={form} field="port" label="Port" placeholder="445" />
        <TextField
          form={form}
          field="share"
          label="Share"
          mono
          placeholder={fsx ? 'share' : 'data'}
          hint={hints?.share ?? 'The share name alone, without the server or slashes'}
        />
        <TextField
          form={form}
          field="path"
          label="Folder in the share"
          mono
          placeholder="projects/2024 (optional)"
          hint="Leave empty for the share's top folder"
        />
        <TextField
          form={form}
          field="domain"
          label="Domain"
          mono
          placeholder={fsx ? 'corp.example.com' : 'CORP (optional)'}
          hint={
            fsx
              ? `${hints?.domain ?? ''}${props.domainFollowsServer ? '. Filled from the DNS name.' : ''}`
              : 'The Windows domain of the user; empty for a local account of the server'
          }
          onChange={props.onDomainTyped}
        />
        <TextField
          form={form}
          field="user"
          label="User"
          mono
          placeholder={fsx ? 'Admin' : 'ana'}
          hint={hints?.user}
        />
        <SecretInput form={form} field="password" label="Password" />
        <SelectField form={form} field="version" label="SMB version" options={VERSIONS} />
      </div>
    </>
  );
}
