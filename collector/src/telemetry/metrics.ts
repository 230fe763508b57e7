/**
 * The collector's self-telemetry: counters and gauges rendered in the Prometheus text exposition
 * format (version 0.0.4). Kept dependency-free and allocation-light because counters are bumped on
 * the ingest hot path: a counter with no labels is a plain number; labelled series are keyed by
 * their rendered label string once.
 */

export type Labels = Record<string, string>;

type MetricType = 'counter' | 'gauge';

interface Family {
  name: string;
  help: string;
  type: MetricType;
  series: Map<string, number>;
  /** Gauges whose value is read at scrape time (queue depth, buffer size). */
  collect?: () => number;
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Counter {
  private readonly family: Family;
  constructor(family: Family) {
    this.family = family;
  }
  inc(amount = 1, labels?: Labels): void {
    if (amount < 0) throw new Error(`counter ${this.family.name} cannot decrease`);
    const key = renderLabels(labels);
    this.family.series.set(key, (this.family.series.get(key) ?? 0) + amount);
  }
  value(labels?: Labels): number {
    return this.family.series.get(renderLabels(labels)) ?? 0;
  }
}

export class Gauge {
  private readonly family: Family;
  constructor(family: Family) {
    this.family = family;
  }
  set(value: number, labels?: Labels): void {
    this.family.series.set(renderLabels(labels), value);
  }
  value(labels?: Labels): number {
    return this.family.series.get(renderLabels(labels)) ?? 0;
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: MetricType): Family {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric ${name} already registered as a ${existing.type}`);
      return existing;
    }
    const created: Family = { name, help, type, series: new Map() };
    this.families.set(name, created);
    return created;
  }

  counter(name: string, help: string): Counter {
    return new Counter(this.family(name, help, 'counter'));
  }

  gauge(name: string, help: string): Gauge {
    return new Gauge(this.family(name, help, 'gauge'));
  }

  /** A gauge computed when scraped. */
  observe(name: string, help: string, collect: () => number): void {
    this.family(name, help, 'gauge').collect = collect;
  }

  /** The exposition text served at /metrics. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${f.name} ${f.type}`);
      if (f.collect) {
        lines.push(`${f.name} ${formatValue(f.collect())}`);
        continue;
      }
      if (f.series.size === 0 && f.type === 'counter') lines.push(`${f.name} 0`);
      for (const [labels, value] of f.series) lines.push(`${f.name}${labels} ${formatValue(value)}`);
    }
    return lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
