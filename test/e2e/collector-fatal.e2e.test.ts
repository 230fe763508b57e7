/**
 * A collector whose pipeline cannot persist its state stops and exits 1, so a supervisor restarts it
 * and the queue replays; it must never linger with its ports open while exporting nothing.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeProtobuf, genAiSpans } from '../../collector/test/fixtures/otlp-fixtures.ts';
import { postOtlp, startCollectorProcess, tempDir } from './collector-process.ts';

describe('collector with a pipeline failure', () => {
  it('exits 1 and says why', async () => {
    const dataDir = tempDir('e2e-fatal');
    const collector = await startCollectorProcess({ dataDir });
    // The batch log is rewritten through a rename; a directory in its place makes that fail.
    const batches = join(dataDir, 'queue', 'batches');
    rmSync(batches, { force: true });
    mkdirSync(join(batches, 'blocked'), { recursive: true });
    expect((await postOtlp(collector.otlpUrl, encodeProtobuf(genAiSpans(3)))).status).toBe(200);
    expect(await collector.exited).toBe(1);
    expect(collector.output()).toContain('spendtrace collector: pipeline stopped: Error: EISDIR');
  });
});
