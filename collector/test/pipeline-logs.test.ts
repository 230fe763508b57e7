import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupLog } from '../src/pipeline/group-log.ts';
import { WorkflowLog } from '../src/pipeline/workflow-log.ts';

// The consumer records the next batch while the acknowledgement of an earlier one compacts the same
// file; these run the two at once, as the pipeline does, and check nothing is lost or thrown.
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

describe('pipeline logs under overlapping record and acknowledge', () => {
  it('GroupLog keeps every unacknowledged end', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'group-log-')), 'groups');
    const log = await GroupLog.open(path);
    await log.record(10);
    await Promise.all([log.record(20), log.acknowledged(10), log.record(30), log.acknowledged(20), log.record(40)]);
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('30\n40\n');
    expect((await GroupLog.open(path)).pendingEnds()).toEqual([30, 40]);
  });

  it('WorkflowLog keeps every unacknowledged trace', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'workflow-log-')), 'workflows');
    const log = await WorkflowLog.open(path);
    await log.record([{ traceId: A, revision: 0 }], 10);
    await Promise.all([
      log.record([{ traceId: B, revision: 0 }], 20),
      log.acknowledged(10),
      log.record([{ traceId: C, revision: 1 }], 30),
      log.acknowledged(20),
    ]);
    await log.close();
    const reopened = await WorkflowLog.open(path);
    expect([...reopened.exported()]).toEqual([[C, { revisions: 2, position: 30 }]]);
  });
});
