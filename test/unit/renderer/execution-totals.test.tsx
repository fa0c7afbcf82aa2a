// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { zeroCounters } from '../../../src-shared/model/execution';
import { ExecutionTotals } from '../../../src-renderer/features/executions/execution-totals';
import { actionBadge } from '../../../src-renderer/features/executions/execution-format';
import { record } from './executions-fixtures';

afterEach(() => cleanup());

describe('ExecutionTotals (issue 15)', () => {
  it('shows entries not copied, folders and deletes not made beside the files counters', () => {
    const counters = {
      ...zeroCounters(),
      FilesTransferred: 4,
      EstimatedFilesToTransfer: 4,
      FilesNotCopied: 2,
      FoldersCreated: 3,
      FoldersUpdated: 1,
      FoldersFailed: 1,
      EstimatedFilesToDelete: 5,
      FilesNotDeleted: 5,
    };
    render(
      <ExecutionTotals record={record({ status: 'ERROR', counters })} live={undefined} now={0} />,
    );
    expect(screen.getByTestId('stat-not-copied').textContent).toBe('Not copied2');
    expect(screen.getByTestId('stat-folders').textContent).toBe('Folders created3 · 1 updated');
    expect(screen.getByTestId('stat-folders-failed').textContent).toBe('Folders failed1');
    expect(screen.getByTestId('stat-deleted').textContent).toContain('5 not deleted (errors)');
  });

  it('leaves the new counters out while they are zero', () => {
    render(<ExecutionTotals record={record({ status: 'SUCCESS' })} live={undefined} now={0} />);
    expect(screen.queryByTestId('stat-not-copied')).toBeNull();
    expect(screen.queryByTestId('stat-folders')).toBeNull();
  });

  it('labels the new report actions', () => {
    expect(actionBadge('not-copied')).toEqual({
      label: 'Not copied',
      className: 'badge badge-error',
    });
    expect(actionBadge('folder-created').label).toBe('Folder created');
    expect(actionBadge('not-deleted').className).toBe('badge badge-warn');
  });
});
