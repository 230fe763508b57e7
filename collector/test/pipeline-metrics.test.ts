import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../src/telemetry/metrics.ts';
import { startMetricsServer } from '../src/telemetry/server.ts';

describe('Prometheus self-metrics', () => {
  it('renders counters and gauges in the text exposition format, labels sorted and escaped', () => {
    const r = new MetricsRegistry();
    const c = r.counter('demo_requests_total', 'Requests.');
    const g = r.gauge('demo_buffer', 'Buffered "things".\nSecond line');
    r.counter('demo_idle_total', 'Never bumped.');
    r.observe('demo_live', 'Read at scrape time.', () => 7);
    c.inc();
    c.inc(2, { model: 'gpt "5"\\x', provider: 'openai' });
    g.set(1.5);
    expect(r.render()).toBe(
      [
        '# HELP demo_requests_total Requests.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total 1',
        'demo_requests_total{model="gpt \\"5\\"\\\\x",provider="openai"} 2',
        '# HELP demo_buffer Buffered "things".\\nSecond line',
        '# TYPE demo_buffer gauge',
        'demo_buffer 1.5',
        '# HELP demo_idle_total Never bumped.',
        '# TYPE demo_idle_total counter',
        'demo_idle_total 0',
        '# HELP demo_live Read at scrape time.',
        '# TYPE demo_live gauge',
        'demo_live 7',
        '',
      ].join('\n'),
    );
    expect(c.value({ provider: 'openai', model: 'gpt "5"\\x' })).toBe(2);
  });

  it('refuses to decrease a counter or reuse a name with another type', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x');
    expect(() => c.inc(-1)).toThrow('counter x_total cannot decrease');
    expect(() => r.gauge('x_total', 'x')).toThrow('metric x_total already registered as a counter');
  });

  it('serves GET /metrics, 404 elsewhere, 405 for other methods', async () => {
    const r = new MetricsRegistry();
    r.counter('served_total', 'Served.').inc(3);
    let scrapes = 0;
    const server = await startMetricsServer('127.0.0.1:0', r, () => scrapes++);
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await res.text()).toContain('\nserved_total 3\n');
      expect(scrapes).toBe(1);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
