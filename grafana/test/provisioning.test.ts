/**
 * The data source and dashboard provisioning files, expanded with Grafana's environment variable
 * rules (src/provisioning-env.ts), resolve to the intended connection for a given environment; they
 * use no syntax Grafana does not support; and docker-compose.yml sets every variable they read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GRAFANA_DIR } from '../src/build.ts';
import { DATASOURCE } from '../src/datasource.ts';
import { expandProvisioningFile, expandProvisioningValue, type Environment } from '../src/provisioning-env.ts';

type Json = Record<string, unknown>;
const DATASOURCE_FILE = 'provisioning/datasources/clickhouse.yaml';
const DASHBOARDS_FILE = 'provisioning/dashboards/spendtrace.yaml';
const ALERTS_FILE = 'provisioning/alerting/spendtrace-alerts.yaml';
const read = (path: string): string => readFileSync(`${GRAFANA_DIR}${path}`, 'utf8');

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Json>; volumes: Json };
const grafanaService = compose.services.grafana as { environment: Record<string, string>; volumes: string[] };
const collectorService = compose.services.collector as { command: string[]; environment: Record<string, string>; volumes: string[] };

function datasourceIn(env: Environment): { jsonData: Json & { traces: Json }; secureJsonData: Json } & Json {
  const file = expandProvisioningFile(read(DATASOURCE_FILE), env) as { datasources: Json[] };
  expect(file.datasources).toHaveLength(1);
  return file.datasources[0] as { jsonData: Json & { traces: Json }; secureJsonData: Json } & Json;
}

describe("Grafana's provisioning expansion", () => {
  const env = { HOST_A: 'ch.internal', PORT_A: '8123', EMPTY: '', HOSTNAME: '' };

  it('reads $NAME and ${NAME}; unset variables are empty', () => {
    expect(expandProvisioningValue('${HOST_A}', env)).toBe('ch.internal');
    expect(expandProvisioningValue('$HOST_A', env)).toBe('ch.internal');
    expect(expandProvisioningValue('http://$HOST_A:${PORT_A}/x', env)).toBe('http://ch.internal:8123/x');
    expect(expandProvisioningValue('${UNSET_B}', env)).toBe('');
    expect(expandProvisioningValue('a${EMPTY}b', env)).toBe('ab');
  });

  it('has no default syntax: ${NAME:-default} reads a variable named "NAME:-default"', () => {
    expect(expandProvisioningValue('${HOST_A:-clickhouse}', env)).toBe('');
    expect(expandProvisioningValue('${HOST_A:-clickhouse}', { 'HOST_A:-clickhouse': 'odd' })).toBe('odd');
  });

  it('keeps $$ as a literal $, and reads $__env{NAME} and $__file{path}', () => {
    expect(expandProvisioningValue('pa$$word', env)).toBe('pa$word');
    expect(expandProvisioningValue('$${HOST_A}', env)).toBe('${HOST_A}');
    expect(expandProvisioningValue('$__env{HOST_A}', env)).toBe('ch.internal');
    expect(expandProvisioningValue('$__file{/run/secret}', env, { readFile: (p) => (p === '/run/secret' ? ' s3cret\n' : '') })).toBe('s3cret');
  });

  it("follows Go's os.ExpandEnv for the remaining $ forms", () => {
    // A $ before a non-name character stays; `${}` is dropped; a trailing $ stays.
    expect(expandProvisioningValue('cost $ 5', env)).toBe('cost $ 5');
    expect(expandProvisioningValue('a${}b', env)).toBe('ab');
    expect(expandProvisioningValue('end$', env)).toBe('end$');
    // $1 is a one-character (shell special) name, so `$1x` reads variable "1" and keeps "x".
    expect(expandProvisioningValue('$1x', { '1': 'one' })).toBe('onex');
    // ${HOSTNAME} falls back to the host name when unset or empty.
    expect(expandProvisioningValue('${HOSTNAME}', env, { hostname: 'grafana-0' })).toBe('grafana-0');
  });

  it("expands a variable's value once more, so a $ in it is lost", () => {
    // ${A} becomes `x$B`, whose $B is then read too; `$$` in a value is `$` + the special name `$`.
    expect(expandProvisioningValue('${A}', { A: 'x$B', B: 'y' })).toBe('xy');
    expect(expandProvisioningValue('${A}', { A: 'p$$w' })).toBe('pw');
  });

  it('expands string values only: numbers and booleans stay as YAML typed them', () => {
    const doc = expandProvisioningFile('a: $HOST_A\nb: 9000\nc: false\nd: [x, "$PORT_A"]\n', env);
    expect(doc).toEqual({ a: 'ch.internal', b: 9000, c: false, d: ['x', '8123'] });
  });
});

describe('provisioning files', () => {
  it.each([DATASOURCE_FILE, DASHBOARDS_FILE, ALERTS_FILE])('%s uses no ${NAME:-default} or other unsupported form', (path) => {
    const text = read(path);
    expect(text).not.toMatch(/\$\{[^}]*:[-=?+]/);
    if (path !== ALERTS_FILE) {
      // Every ${...} names a plain variable (the alert rules' SQL macros are checked in alerts-format.test.ts).
      for (const m of text.matchAll(/\$\{([^}]*)\}/g)) expect(m[1]).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    }
  });

  it('the data source resolves to the connection in the environment (native protocol)', () => {
    const ds = datasourceIn({
      SPENDTRACE_CLICKHOUSE_HOST: 'ch.example.net',
      SPENDTRACE_CLICKHOUSE_PORT: '9440',
      SPENDTRACE_CLICKHOUSE_PROTOCOL: 'native',
      SPENDTRACE_CLICKHOUSE_USER: 'grafana_ro',
      SPENDTRACE_CLICKHOUSE_PASSWORD: 's3cret',
      SPENDTRACE_CLICKHOUSE_DATABASE: 'costs',
    });
    expect(ds).toMatchObject({ uid: DATASOURCE.uid, type: DATASOURCE.type, name: 'spendtrace ClickHouse' });
    expect(ds.jsonData).toMatchObject({ host: 'ch.example.net', port: '9440', protocol: 'native', username: 'grafana_ro', defaultDatabase: 'costs', secure: false });
    expect(ds.jsonData.traces).toMatchObject({ defaultDatabase: 'costs', defaultTable: 'otel_traces' });
    expect(ds.secureJsonData).toEqual({ password: 's3cret' });
  });

  it('the data source resolves to the connection in the environment (http protocol)', () => {
    const ds = datasourceIn({
      SPENDTRACE_CLICKHOUSE_HOST: 'localhost',
      SPENDTRACE_CLICKHOUSE_PORT: '8123',
      SPENDTRACE_CLICKHOUSE_PROTOCOL: 'http',
      SPENDTRACE_CLICKHOUSE_USER: 'default',
      SPENDTRACE_CLICKHOUSE_PASSWORD: '',
      SPENDTRACE_CLICKHOUSE_DATABASE: 'spendtrace',
    });
    expect(ds.jsonData).toMatchObject({ host: 'localhost', port: '8123', protocol: 'http', username: 'default', defaultDatabase: 'spendtrace' });
    expect(ds.jsonData.traces).toMatchObject({ defaultDatabase: 'spendtrace' });
    expect(ds.secureJsonData).toEqual({ password: '' });
  });

  it('the dashboards provider path is a fixed path, whatever the environment', () => {
    const file = expandProvisioningFile(read(DASHBOARDS_FILE), {}) as { providers: (Json & { options: Json })[] };
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]).toMatchObject({ name: 'spendtrace', type: 'file', folder: 'spendtrace', folderUid: 'spendtrace' });
    expect(file.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards/spendtrace');
  });
});

describe('docker-compose.yml', () => {
  it("sets every variable the provisioning files read in the Grafana service's environment", () => {
    const referenced = new Set<string>();
    for (const path of [DATASOURCE_FILE, DASHBOARDS_FILE]) {
      for (const m of read(path).matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
        // Skip names quoted in comments; only YAML values count.
        const line = read(path).slice(0, m.index).split('\n').pop() ?? '';
        if (!line.trimStart().startsWith('#')) referenced.add((m[1] ?? m[2]) as string);
      }
    }
    expect([...referenced].sort()).toEqual([
      'SPENDTRACE_CLICKHOUSE_DATABASE',
      'SPENDTRACE_CLICKHOUSE_HOST',
      'SPENDTRACE_CLICKHOUSE_PASSWORD',
      'SPENDTRACE_CLICKHOUSE_PORT',
      'SPENDTRACE_CLICKHOUSE_PROTOCOL',
      'SPENDTRACE_CLICKHOUSE_USER',
    ]);
    for (const name of referenced) expect(Object.keys(grafanaService.environment), name).toContain(name);
  });

  it('in the compose environment the data source points at the clickhouse service (native, 9000, spendtrace)', () => {
    const ds = datasourceIn(grafanaService.environment);
    expect(ds.jsonData).toMatchObject({ host: 'clickhouse', port: '9000', protocol: 'native', username: 'default', defaultDatabase: 'spendtrace' });
    expect(ds.jsonData.traces).toMatchObject({ defaultDatabase: 'spendtrace' });
    expect(ds.secureJsonData).toEqual({ password: '' });
    // The clickhouse service creates that database.
    expect((compose.services.clickhouse as { environment: Json }).environment.CLICKHOUSE_DB).toBe('spendtrace');
  });

  it("mounts the dashboards where the provider reads them", () => {
    const path = ((expandProvisioningFile(read(DASHBOARDS_FILE), {}) as { providers: { options: Json }[] }).providers[0]!.options.path) as string;
    expect(grafanaService.volumes).toContain(`./dashboards:${path}:ro`);
  });

  it('runs the collector from a container-local copy: the checkout is read-only, pnpm comes from npx', () => {
    expect(collectorService.volumes).toContain('..:/src:ro');
    const script = collectorService.command.join(' ');
    expect(script).not.toContain('corepack');
    expect(script).toContain('--exclude=node_modules');
    expect(script).toContain('npx -y pnpm@10.34.8 install --frozen-lockfile');
    // The copy is installed and run in /app, never in the mounted /src.
    expect(script).toMatch(/cd \/app &&\s*npx/);
    expect(collectorService.environment).toMatchObject({ SPENDTRACE_CLICKHOUSE_URL: 'http://clickhouse:8123', SPENDTRACE_DATA_DIR: '/var/lib/spendtrace' });
    expect(collectorService.volumes).toContain('collector-data:/var/lib/spendtrace');
    expect(Object.keys(compose.volumes)).toEqual(['clickhouse-data', 'collector-data']);
  });
});
