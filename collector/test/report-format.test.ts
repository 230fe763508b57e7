/**
 * Terminal layout of `spendtrace report` and `spendtrace trace` with long names (Bedrock model ids,
 * Gemini step names): names get the room the numbers leave, the whole terminal when it is wider,
 * and are cut in the middle, keeping their distinctive tail, only when they still do not fit.
 */
import { describe, expect, it } from 'vitest';
import { roundUsd, truncateMiddle } from '../src/report/format.ts';
import { renderSpendReport, type SpendReport } from '../src/report/spend-report.ts';
import { layoutTable, outputColumns, RULE } from '../src/report/table.ts';
import { renderWorkflowTrace, type TraceStep, type WorkflowTrace } from '../src/report/workflow-trace.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-5-5-v1:0';

describe('truncateMiddle', () => {
  it('leaves text that fits alone', () => {
    expect(truncateMiddle(BEDROCK, 35)).toBe(BEDROCK);
    expect(truncateMiddle('chat', 10)).toBe('chat');
  });
  it('cuts between words and keeps the tail', () => {
    // 29 columns: 12 + 1 + 15 = 28 characters, both cuts at a separator.
    expect(truncateMiddle(BEDROCK, 29)).toBe('us.anthropic…sonnet-5-5-v1:0');
    // 27 columns: "us.anthropic" + "…" + "sonnet-5-5-v1:0" is 28, too long; the next clean cut keeps "us".
    expect(truncateMiddle(BEDROCK, 27)).toBe('us…claude-sonnet-5-5-v1:0');
    expect(truncateMiddle('generate_content gemini-3.5-flash', 26)).toBe('generate…gemini-3.5-flash');
  });
  it('splits text without separators 40/60', () => {
    // 19 characters kept: head 8 (nearest 40%), tail 11.
    expect(truncateMiddle('abcdefghijklmnopqrstuvwxyz0123456789', 20)).toBe('abcdefgh…z0123456789');
  });
});

describe('layoutTable', () => {
  const columns = [
    { header: 'NAME', align: 'left', flexible: true },
    { header: 'N', align: 'right' },
  ] as const;
  it('sizes columns to their content, two spaces apart when that fits', () => {
    expect(layoutTable(columns, [['alpha', '1'], ['b', '1,000'], ['', RULE]], 79)).toEqual({
      widths: [5, 5],
      gap: 2,
      lines: ['NAME       N', 'alpha      1', 'b      1,000', '       -----'],
    });
  });
  it('narrows the flexible column, one space apart, when the line is too long', () => {
    // 16 columns: 1 gap + 5 for the number leave 10 for the name: 9 characters and the ellipsis,
    // split 4/5 (no separator to cut at; the head nearest 40%).
    expect(layoutTable(columns, [['abcdefghijklmnopqrstuvwxyz', '1,000']], 16)).toEqual({
      widths: [10, 5],
      gap: 1,
      lines: ['NAME           N', 'abcd…vwxyz 1,000'],
    });
  });
  it('keeps a flexible column at 10 characters, even past the line width', () => {
    expect(layoutTable(columns, [['abcdefghijklmnopqrstuvwxyz', '1,000']], 12).lines).toEqual(['NAME           N', 'abcd…vwxyz 1,000']);
  });
});

describe('outputColumns', () => {
  it('is 80 when the output is not a terminal, else the terminal width; --width wins', () => {
    expect(outputColumns(undefined, { isTTY: false, columns: 200 })).toBe(80);
    expect(outputColumns(undefined, {})).toBe(80);
    expect(outputColumns(undefined, { isTTY: true, columns: 132 })).toBe(132);
    expect(outputColumns(undefined, { isTTY: true, columns: 20 })).toBe(40);
    expect(outputColumns('100', { isTTY: true, columns: 132 })).toBe(100);
  });
  it('rejects a width that is not a whole number from 40 to 1000', () => {
    expect(() => outputColumns('30')).toThrow('--width must be a whole number of columns from 40 to 1000, not "30"');
    expect(() => outputColumns('wide')).toThrow('not "wide"');
  });
});

const bedrockReport: SpendReport = {
  by: 'model',
  from: '2026-03-08T00:00:00.000Z',
  to: '2026-03-14T23:59:59.999Z',
  filters: {},
  totals: { calls: 30, input_tokens: 44_925, output_tokens: 5_182, spend_usd: 0.1466, cost_per_call_usd: 0.1466 / 30, unpriced_calls: 0 },
  rows: [
    { name: BEDROCK, calls: 24, input_tokens: 40_890, output_tokens: 1_983, spend_usd: 0.1118, cost_per_call_usd: 0.1118 / 24, share: 0.1118 / 0.1466 },
    { name: 'gemini-3.5-flash', calls: 6, input_tokens: 4_035, output_tokens: 3_199, spend_usd: 0.0348, cost_per_call_usd: 0.0348 / 6, share: 0.0348 / 0.1466 },
  ],
};

describe('renderSpendReport with a Bedrock model id', () => {
  it('at 80 columns gives the name all the numbers leave (27) and cuts it in the middle', () => {
    // 1 (#) + 5 + 9 + 10 + 7 + 7 + 6 for the numbers and headers, 7 single-space gaps: 27 of 79 left.
    expect(renderSpendReport(bedrockReport, { width: 80 })).toBe(
      [
        'Spend by model, 2026-03-08 00:00 to 2026-03-14 23:59 UTC',
        '',
        '# MODEL                       CALLS TOKENS IN TOKENS OUT    COST  $/CALL  SHARE',
        '1 us…claude-sonnet-5-5-v1:0      24    40,890      1,983 $0.1118 $0.0047  76.3%',
        '2 gemini-3.5-flash                6     4,035      3,199 $0.0348 $0.0058  23.7%',
        '                              ----- --------- ---------- ------- ------- ------',
        '  TOTAL                          30    44,925      5,182 $0.1466 $0.0049 100.0%',
        '',
      ].join('\n'),
    );
  });
  it('on a wider terminal shows the full id', () => {
    expect(renderSpendReport(bedrockReport, { width: 120 })).toBe(
      [
        'Spend by model, 2026-03-08 00:00 to 2026-03-14 23:59 UTC',
        '',
        `#  MODEL                                CALLS  TOKENS IN  TOKENS OUT     COST   $/CALL   SHARE`,
        `1  ${BEDROCK}     24     40,890       1,983  $0.1118  $0.0047   76.3%`,
        '2  gemini-3.5-flash                         6      4,035       3,199  $0.0348  $0.0058   23.7%',
        '                                        -----  ---------  ----------  -------  -------  ------',
        '   TOTAL                                   30     44,925       5,182  $0.1466  $0.0049  100.0%',
        '',
      ].join('\n'),
    );
  });
  it('compacts large token counts before cutting names', () => {
    const big: SpendReport = {
      ...bedrockReport,
      rows: [{ ...bedrockReport.rows[0]!, input_tokens: 123_456_789, output_tokens: 12_345_678 }],
      totals: { ...bedrockReport.totals, input_tokens: 123_456_789, output_tokens: 12_345_678 },
    };
    const lines = renderSpendReport(big, { width: 80 }).split('\n');
    expect(lines[3]).toBe('1 us…claude-sonnet-5-5-v1:0      24    123.5M      12.3M $0.1118 $0.0047  76.3%');
  });
});

const step = (depth: number, name: string, model: string | null, tokens: [number, number] = [0, 0], cost = 0, share = 0): TraceStep => ({
  depth,
  name,
  span_id: '',
  time: '',
  duration_ms: 0,
  model,
  input_tokens: model ? tokens[0] : null,
  output_tokens: model ? tokens[1] : null,
  cost_usd: model ? cost : null,
  share: model ? share : null,
});
const longTrace: WorkflowTrace = {
  trace_id: 'ac23b83f2413e2699336b83683fe4669',
  totals: undefined,
  steps: [
    step(0, 'invoke_workflow code-review', null),
    step(1, 'invoke_agent summarizer', null),
    step(2, 'generate_content gemini-3.5-flash-lite-preview', 'gemini-3.5-flash-lite-preview', [529, 556], 0.0058, 0.5),
    step(2, `chat ${BEDROCK}`, BEDROCK, [6034, 189], 0.017, 0.5),
  ],
};

describe('renderWorkflowTrace with long step and model names', () => {
  it('puts the attribution on its own line when the title would not fit', () => {
    const totals = { workflow: 'code-review', root_span: '', feature: 'code-review-agent', customer: 'acme-corp', calls: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, duration_ms: 0, revisions: 1 };
    const title = (width: number): string[] => renderWorkflowTrace({ ...longTrace, steps: [], totals }, { width }).split('\n').slice(0, 3);
    // One line is 6 + 32 + 68 = 106 characters.
    expect(title(80)).toEqual(['Trace ac23b83f2413e2699336b83683fe4669', 'workflow code-review, feature code-review-agent, customer acme-corp', '']);
    expect(title(120)).toEqual(['Trace ac23b83f2413e2699336b83683fe4669, workflow code-review, feature code-review-agent, customer acme-corp', '', 'STEP  MODEL  TOKENS IN/OUT  COST  SHARE']);
  });

  it('at 80 columns shares the room between step and model, keeping the tree guides whole', () => {
    // 13 + 7 + 5 for the numbers, 4 gaps: 50 left, 25 each; steps without a call run on over the empty columns.
    expect(renderWorkflowTrace(longTrace, { width: 80 })).toBe(
      [
        'Trace ac23b83f2413e2699336b83683fe4669',
        '',
        'STEP                      MODEL                     TOKENS IN/OUT    COST SHARE',
        'invoke_workflow code-review',
        '└─ invoke_agent summarizer',
        '   ├─ generate…te-preview gemini…flash-lite-preview       529/556 $0.0058 50.0%',
        '   └─ chat us…5-5-v1:0    us…claude-sonnet-5-5-v1:0     6,034/189 $0.0170 50.0%',
        '',
        'Total: not summed yet (the collector sums a workflow once its root span ends).',
        '',
      ].join('\n'),
    );
  });
  it('on a wider terminal shows every name in full', () => {
    expect(renderWorkflowTrace(longTrace, { width: 140 })).toBe(
      [
        'Trace ac23b83f2413e2699336b83683fe4669',
        '',
        'STEP                                                  MODEL                                TOKENS IN/OUT     COST  SHARE',
        'invoke_workflow code-review',
        '└─ invoke_agent summarizer',
        '   ├─ generate_content gemini-3.5-flash-lite-preview  gemini-3.5-flash-lite-preview              529/556  $0.0058  50.0%',
        `   └─ chat ${BEDROCK}        ${BEDROCK}      6,034/189  $0.0170  50.0%`,
        '',
        'Total: not summed yet (the collector sums a workflow once its root span ends).',
        '',
      ].join('\n'),
    );
  });
});

describe('roundUsd', () => {
  it('rounds USD amounts to 1e-10, so JSON shows no float noise', () => {
    expect(roundUsd(0.3810329700000002)).toBe(0.38103297);
    expect(JSON.stringify(roundUsd(0.0025 + 0.002))).toBe('0.0045');
    expect(roundUsd(0.014129638671875)).toBe(0.0141296387);
    expect(roundUsd(0.00000000004)).toBe(0);
    expect(roundUsd(0.00000000006)).toBe(1e-10);
    expect(roundUsd(1000.1 + 0.2)).toBe(1000.3);
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(Object.is(roundUsd(-0.00000000001), 0)).toBe(true);
    expect(roundUsd(null)).toBe(null);
  });
});
