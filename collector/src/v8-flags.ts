/**
 * V8 settings of the collector's process, applied when `spendtrace collector` starts (not by the
 * library: they are process-wide).
 *
 * Allocation-site pretenuring is turned off. With it, V8 watches which allocation sites' objects
 * survive young-generation collections and, past a threshold, allocates that site's objects straight
 * into the old generation. The collector's objects defeat that guess: spans, calls and attribute
 * objects die within one part of a batch, while the workflow processor's open traces outlive the
 * quiet window, and the decisions V8 took differed from run to run. In about one ingest run in four
 * it ended up copying 4–9 MB of young objects per scavenge instead of about 1.3 (220 MB promoted over
 * a run of 400,000 spans instead of 60–72): heap snapshots of such a run hold the same live objects as
 * those of a fast one, so what was copied was garbage kept alive by dead old-generation objects. Those
 * runs spent 3.2–4.8 µs of GC-thread CPU per span instead of 2.1–3.1, and stored about a tenth fewer
 * spans per second. With pretenuring off, every run copies 2.1–2.3 MB per scavenge.
 *
 * V8 reads this flag whenever it processes pretenuring feedback, so setting it at start-up, before
 * the collector allocates anything in bulk, takes effect (the same runs traced with
 * `--trace-pretenuring` show no decision at all).
 */
import { setFlagsFromString } from 'node:v8';

const COLLECTOR_V8_FLAGS = ['--no-allocation-site-pretenuring'] as const;

export function applyCollectorV8Flags(): void {
  for (const flag of COLLECTOR_V8_FLAGS) setFlagsFromString(flag);
}
