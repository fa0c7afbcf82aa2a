import { useRef, useState, type ReactElement } from 'react';

/** A shell command to run, shown whole (it wraps), with a Copy button. */
export function MountCommand(props: { command: string }): ReactElement {
  const [copied, setCopied] = useState(false);
  const codeRef = useRef<HTMLElement>(null);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.command);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      const node = codeRef.current;
      const selection = window.getSelection();
      if (node && selection) {
        selection.selectAllChildren(node);
      }
    }
  };

  return (
    <div className="mount-command">
      <pre>
        <code ref={codeRef}>{props.command}</code>
      </pre>
      <button type="button" className="btn btn-small" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
