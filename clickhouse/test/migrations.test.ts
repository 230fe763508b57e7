import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  TABLES,
  createEmbeddedClient,
  VIEWS,
  PLAIN_VIEWS,
  loadMigrations,
  migrate,
  renderMigrationScript,
  renderMigrations,
  renderSql,
  retentionStatements,
} from '../src/index.ts';

const DATA_TABLES = [
  TABLES.traces,
  TABLES.traceIdTs,
  TABLES.calls,
  TABLES.workflows,
  TABLES.costsHourly,
  TABLES.costsDaily,
  TABLES.unknownModels,
];

/** A statement without its `--` comment lines, so assertions see only SQL. */
function withoutComments(statement: string): string {
  return statement
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim();
}

let dir: string;
let client: ClickHouseClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-migrations-'));
  client = createEmbeddedClient(dir);
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

describe('migrate on embedded ClickHouse', () => {
  it('applies every migration once and records it', async () => {
    const first = await migrate(client, { database: 'm1' });
    expect(first.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const second = await migrate(client, { database: 'm1' });
    expect(second).toEqual({ applied: [], current: [1, 2, 3, 4, 5, 6, 7] });
    const recorded = await rows<{ version: number; name: string }>('SELECT version, name FROM m1.spendtrace_migrations ORDER BY version');
    expect(recorded).toEqual([
      { version: 1, name: 'otel_traces' },
      { version: 2, name: 'genai_calls' },
      { version: 3, name: 'genai_workflows' },
      { version: 4, name: 'genai_cost_rollups' },
      { version: 5, name: 'genai_unknown_models' },
      { version: 6, name: 'rollup_deduplication' },
      { version: 7, name: 'genai_workflow_runs' },
    ]);
  });

  it('creates every table and view with the expected engines', async () => {
    const tables = await rows<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = 'm1' ORDER BY name",
    );
    expect(tables).toEqual([
      { name: 'genai_calls', engine: 'MergeTree' },
      { name: 'genai_costs_daily', engine: 'SummingMergeTree' },
      { name: 'genai_costs_daily_mv', engine: 'MaterializedView' },
      { name: 'genai_costs_hourly', engine: 'SummingMergeTree' },
      { name: 'genai_costs_hourly_mv', engine: 'MaterializedView' },
      { name: 'genai_unknown_models', engine: 'AggregatingMergeTree' },
      { name: 'genai_unknown_models_mv', engine: 'MaterializedView' },
      { name: 'genai_workflow_runs', engine: 'View' },
      { name: 'genai_workflows', engine: 'MergeTree' },
      { name: 'otel_traces', engine: 'MergeTree' },
      { name: 'otel_traces_trace_id_ts', engine: 'AggregatingMergeTree' },
      { name: 'otel_traces_trace_id_ts_mv', engine: 'MaterializedView' },
      { name: 'spendtrace_migrations', engine: 'MergeTree' },
    ]);
  });

  it('keeps the contrib exporter column layout for otel_traces', async () => {
    const columns = await rows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = 'm1' AND table = 'otel_traces' ORDER BY position",
    );
    expect(columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'Timestamp DateTime64(9)',
      'TraceId String',
      'SpanId String',
      'ParentSpanId String',
      'TraceState String',
      'SpanName LowCardinality(String)',
      'SpanKind LowCardinality(String)',
      'ServiceName LowCardinality(String)',
      'ResourceAttributes Map(LowCardinality(String), String)',
      'ScopeName String',
      'ScopeVersion String',
      'SpanAttributes Map(LowCardinality(String), String)',
      'Duration UInt64',
      'StatusCode LowCardinality(String)',
      'StatusMessage String',
      'Events.Timestamp Array(DateTime64(9))',
      'Events.Name Array(LowCardinality(String))',
      'Events.Attributes Array(Map(LowCardinality(String), String))',
      'Links.TraceId Array(String)',
      'Links.SpanId Array(String)',
      'Links.TraceState Array(String)',
      'Links.Attributes Array(Map(LowCardinality(String), String))',
      'ResourceAttributeItems Array(String)',
      'SpanAttributeItems Array(String)',
    ]);
    const keys = await rows<{ sorting_key: string; partition_key: string }>(
      "SELECT sorting_key, partition_key FROM system.tables WHERE database = 'm1' AND name = 'otel_traces'",
    );
    expect(keys).toEqual([
      { sorting_key: 'ServiceName, SpanName, toDateTime(Timestamp), Timestamp', partition_key: 'toDate(Timestamp)' },
    ]);
    const lookup = await rows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = 'm1' AND table = 'otel_traces_trace_id_ts' ORDER BY position",
    );
    expect(lookup).toEqual([
      { name: 'TraceId', type: 'String' },
      { name: 'Start', type: 'SimpleAggregateFunction(min, DateTime)' },
      { name: 'End', type: 'SimpleAggregateFunction(max, DateTime)' },
    ]);
  });

  it('types genai_calls for the dashboards', async () => {
    const columns = await rows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = 'm1' AND table = 'genai_calls' ORDER BY position",
    );
    const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    expect(columns).toHaveLength(42);
    expect(types).toMatchObject({
      timestamp: 'DateTime64(9)',
      trace_id: 'String',
      provider: 'LowCardinality(String)',
      request_model: 'LowCardinality(String)',
      feature: 'LowCardinality(String)',
      environment: 'LowCardinality(String)',
      customer_id: 'String',
      input_tokens: 'UInt64',
      reasoning_tokens: 'UInt64',
      cost_usd: 'Float64',
      cost_reasoning_usd: 'Float64',
      duration_ns: 'UInt64',
      streaming: 'Bool',
      finish_reasons: 'Array(LowCardinality(String))',
    });
  });

  it('sets and removes TTLs on request', async () => {
    await migrate(client, { database: 'm1', ttlDays: 30, rollupTtlDays: 400 });
    const withTtl = await rows<{ name: string; q: string }>(
      "SELECT name, extract(create_table_query, 'TTL (.+?) SETTINGS') AS q FROM system.tables WHERE database = 'm1' AND name IN ('genai_calls', 'genai_costs_hourly') ORDER BY name",
    );
    expect(withTtl).toEqual([
      { name: 'genai_calls', q: 'toDateTime(timestamp) + toIntervalDay(30)' },
      { name: 'genai_costs_hourly', q: 'hour + toIntervalDay(400)' },
    ]);
    await migrate(client, { database: 'm1', ttlDays: 0 });
    const after = await rows<{ name: string; has: number }>(
      "SELECT name, position(create_table_query, 'TTL ') > 0 AS has FROM system.tables WHERE database = 'm1' AND name IN ('genai_calls', 'genai_costs_hourly') ORDER BY name",
    );
    expect(after).toEqual([
      { name: 'genai_calls', has: 0 },
      { name: 'genai_costs_hourly', has: 1 },
    ]);
  });

  it('refuses a migration edited after it was applied', async () => {
    const edited = loadMigrations().map((m) => (m.version === 2 ? { ...m, checksum: 'x'.repeat(64) } : m));
    await expect(migrate(client, { database: 'm1', migrations: edited })).rejects.toThrow(
      'migration 0002_genai_calls was changed after it was applied to database "m1"',
    );
  });

  it('ignores edits to comments when comparing checksums', () => {
    const [first] = loadMigrations();
    const dir2 = mkdtempSync(join(tmpdir(), 'spendtrace-migration-files-'));
    writeFileSync(join(dir2, '0001_otel_traces.sql'), `-- a new explanation\n${first!.sql}\n-- trailing note\n`);
    expect(loadMigrations(dir2)[0]!.checksum).toBe(first!.checksum);
    writeFileSync(join(dir2, '0001_otel_traces.sql'), first!.sql.replace('index_granularity = 8192', 'index_granularity = 4096'));
    expect(loadMigrations(dir2)[0]!.checksum).not.toBe(first!.checksum);
    rmSync(dir2, { recursive: true, force: true });
  });

  it('rejects bad names and bad TTLs clearly', async () => {
    await expect(migrate(client, { database: 'bad-name' })).rejects.toThrow('invalid database name "bad-name"');
    expect(() => retentionStatements({ database: 'm1', ttlDays: -1 })).toThrow(
      'ttlDays must be a whole number of days (0 removes the TTL), got -1',
    );
  });

  it('fills the rollups from genai_calls and counts unknown models', async () => {
    await migrate(client, { database: 'm2' });
    await client.command({
      query: `INSERT INTO m2.genai_calls (timestamp, trace_id, span_id, environment, provider, request_model, response_model, feature, customer_id, input_tokens, output_tokens, cost_usd, pricing_status, error_type) VALUES
        ('2025-03-01 10:15:00', 't1', 's1', 'prod', 'openai', 'gpt-4o', 'gpt-4o-2024-08-06', 'chat', 'c1', 100, 10, 0.5, '', ''),
        ('2025-03-01 10:45:00', 't1', 's2', 'prod', 'openai', 'gpt-4o', 'gpt-4o-2024-08-06', 'chat', 'c1', 200, 20, 0.25, '', 'timeout'),
        ('2025-03-01 11:05:00', 't2', 's3', 'prod', 'acme', 'mystery-1', '', 'search', 'c2', 7, 3, 0, 'unknown_model', '')`,
    });
    const hourly = await rows<Record<string, unknown>>(
      "SELECT toString(hour) AS hour, model, feature, sum(calls) AS calls, sum(errors) AS errors, sum(input_tokens) AS input_tokens, sum(cost_usd) AS cost_usd, sum(unpriced_calls) AS unpriced FROM m2.genai_costs_hourly GROUP BY hour, model, feature ORDER BY hour",
    );
    expect(hourly).toEqual([
      { hour: '2025-03-01 10:00:00', model: 'gpt-4o-2024-08-06', feature: 'chat', calls: 2, errors: 1, input_tokens: 300, cost_usd: 0.75, unpriced: 0 },
      { hour: '2025-03-01 11:00:00', model: 'mystery-1', feature: 'search', calls: 1, errors: 0, input_tokens: 7, cost_usd: 0, unpriced: 1 },
    ]);
    const daily = await rows<Record<string, unknown>>(
      'SELECT toString(day) AS day, sum(calls) AS calls, sum(cost_usd) AS cost_usd FROM m2.genai_costs_daily GROUP BY day',
    );
    expect(daily).toEqual([{ day: '2025-03-01', calls: 3, cost_usd: 0.75 }]);
    const unknown = await rows<Record<string, unknown>>(
      'SELECT toString(day) AS day, provider, model, sum(calls) AS calls, sum(input_tokens) AS input_tokens FROM m2.genai_unknown_models GROUP BY day, provider, model',
    );
    expect(unknown).toEqual([{ day: '2025-03-01', provider: 'acme', model: 'mystery-1', calls: 1, input_tokens: 7 }]);
  });
});

describe('cluster variant', () => {
  const rendered = renderMigrations({ database: 'obs', cluster: 'prod_cluster' });
  const statements = rendered.flatMap((m) => m.statements).map(withoutComments);

  it('puts every statement ON CLUSTER', () => {
    for (const statement of statements) expect(statement).toContain('ON CLUSTER `prod_cluster`');
  });

  it('creates a Replicated local table and a Distributed table for every data table', () => {
    for (const table of DATA_TABLES) {
      const local = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS \`obs\`.\`${table}_local\``));
      expect(local, table).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)/);
      const distributed = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS \`obs\`.\`${table}\` ON CLUSTER`));
      expect(distributed, table).toContain(`AS \`obs\`.\`${table}_local\` ENGINE = Distributed(\`prod_cluster\`, \`obs\`, \`${table}_local\`, `);
    }
  });

  it('attaches the materialized views to the shard-local tables', () => {
    for (const view of Object.values(VIEWS).filter((v) => !PLAIN_VIEWS.has(v))) {
      const statement = statements.find((s) => s.includes(`MATERIALIZED VIEW IF NOT EXISTS \`obs\`.\`${view}\``));
      expect(statement, view).toMatch(/TO `obs`\.`\w+_local`/);
      expect(statement, view).toMatch(/FROM `obs`\.`\w+_local`/);
    }
  });

  it('reads the Distributed tables from the plain views', () => {
    expect([...PLAIN_VIEWS]).toEqual([VIEWS.workflowRuns]);
    const statement = statements.find((s) => s.startsWith(`CREATE VIEW IF NOT EXISTS \`obs\`.\`${VIEWS.workflowRuns}\` ON CLUSTER \`prod_cluster\``));
    expect(statement).toContain('FROM `obs`.`genai_workflows`\nGROUP BY trace_id');
    expect(statement).not.toContain('_local');
  });

  it('renders the single-node variant from the same sources without cluster syntax', () => {
    const single = renderMigrations({ database: 'obs' })
      .flatMap((m) => m.statements)
      .map(withoutComments)
      .join(';\n');
    expect(single).not.toContain('ON CLUSTER');
    expect(single).not.toContain('Replicated');
    expect(single).not.toContain('Distributed');
    expect(single).not.toContain('{{');
    const script = renderMigrationScript({ database: 'obs', cluster: 'prod_cluster' });
    expect(script).toContain("ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}')");
    expect(script).not.toContain('{{');
  });

  it('applies TTLs to the local tables on the cluster', () => {
    expect(retentionStatements({ database: 'obs', cluster: 'prod_cluster', ttlDays: 7 })).toContain(
      'ALTER TABLE `obs`.`genai_calls_local` ON CLUSTER `prod_cluster` MODIFY TTL toDateTime(timestamp) + INTERVAL 7 DAY',
    );
  });

  it('rejects unknown tokens', () => {
    expect(() => renderSql('SELECT {{nope}}', { database: 'obs' })).toThrow('unknown migration token {{nope}}');
  });
});
