/**
 * The exact terminal output of `spendtrace report` (by feature) and `spendtrace trace` for the late
 * agent trace on the seed data set at 80 columns, shared by the tests that read the store directly
 * (report.test.ts) and through a running collector (report-endpoint.test.ts).
 *
 * chat: 7 days × 4 calls + 12 spike calls + 12 error-surge calls = 52; agent: 7 runs × 2 calls
 * + 2 late verify calls (Mar 10, Mar 13) = 16; search: 7 × 6 + 1 unpriced = 43; summarize: 7 × 2 = 14;
 * (none): the unattributed call of Mar 10. Costs are the seed's exact sums, rounded to 4 places.
 * Columns are as wide as their content (the longest name is "summarize"), two spaces apart since
 * the table fits 79 columns with them.
 */
import { LATE_TRACE_ID } from '../../grafana/test/fixtures/seed.ts';

export const RANGE_ARGS = ['--since', '2026-03-08', '--until', '2026-03-14T23:59:59.999Z'];

export const FEATURE_REPORT_80 = [
  'Spend by feature, 2026-03-08 00:00 to 2026-03-14 23:59 UTC',
  '',
  '#  FEATURE    CALLS  TOKENS IN  TOKENS OUT     COST   $/CALL   SHARE',
  '1  chat          52    885,376      40,244  $3.8035  $0.0731   91.9%',
  '2  agent         16     66,000       7,200  $0.1586  $0.0099    3.8%',
  '3  search        43     85,220      10,130  $0.1148  $0.0027    2.8%',
  '4  summarize     14    112,000       3,600  $0.0603  $0.0043    1.5%',
  '5  (none)         1      2,048         256  $0.0029  $0.0029    0.1%',
  '              -----  ---------  ----------  -------  -------  ------',
  '   TOTAL        126  1,150,644      61,430  $4.1401  $0.0329  100.0%',
  '',
  '1 call on models without a catalog price: counted, but not in the cost (see spendtrace prices).',
  '',
].join('\n');

/**
 * plan: 1976 uncached × 2^-18 + 1024 × 2^-21 + 272 × 2^-16 + 128 × 2^-16 = 0.014129638671875;
 * answer: 6000 × 2^-20 + 600 × 2^-18 = 0.0080108642578125; verify: 1500 × 2^-20 + 100 × 2^-18 = 0.001811981201171875;
 * total 0.023952484130859375; shares 59.0%, 33.4%, 7.6%. `--json` prints them rounded to 1e-10 USD.
 */
export const LATE_TRACE_80 = [
  // On one line the title would be 87 characters.
  `Trace ${LATE_TRACE_ID}`,
  'workflow research, feature agent, customer acme',
  '',
  'STEP                         MODEL              TOKENS IN/OUT     COST  SHARE',
  'invoke_agent researcher',
  '├─ chat claude-sonnet-5-5    claude-sonnet-5-5      3,000/400  $0.0141  59.0%',
  '├─ execute_tool search_web',
  '└─ chat claude-haiku-5-5     claude-haiku-5-5       6,000/600  $0.0080  33.4%',
  '   └─ chat claude-haiku-5-5  claude-haiku-5-5       1,500/100  $0.0018   7.6%',
  '',
  'Total: 3 calls, 10,500 tokens in, 1,100 out, $0.0240, 3.0 s, 0 errors',
  '',
].join('\n');
