import type { Registry } from 'prom-client';

/** One series of the histogram: its bucket counts (not cumulative), sum and count. */
interface Series {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram with one label and a fixed set of label values, for the one
 * observation every request makes (`gatehouse_http_request_duration_seconds`). prom-client's
 * `Histogram` validates and hashes the labels on every `observe`, about 1 % of a small
 * request's CPU; this one finds the series in a map of its few label values and the bucket by a short loop. It
 * is registered in a prom-client `Registry` like any metric (`get()` gives what prom-client's
 * own histogram gives, series in the order of `values`, so a scrape reads the same text).
 *
 * @example
 * const h = new DurationHistogram({ name: 'x_seconds', help: 'x', labelName: 'kind', values: ['a', 'b'], buckets: [0.1, 1], registry });
 * h.observe('a', 0.05);
 */
export class DurationHistogram<Value extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly labelName: string;
  private readonly labelValues: readonly Value[];
  private readonly buckets: readonly number[];
  private readonly series: Series[];
  /** Each label value's series. */
  private readonly byValue: Map<Value, Series>;

  constructor(options: { name: string; help: string; labelName: string; values: readonly Value[]; buckets: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.labelName = options.labelName;
    this.labelValues = options.values;
    this.buckets = [...options.buckets].sort((a, b) => a - b);
    this.series = options.values.map(() => ({ counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }));
    this.byValue = new Map(options.values.map((value, index) => [value, this.series[index]]));
    options.registry.registerMetric(this as never);
  }

  /** One observation, in seconds, under one of the label values it was made with. */
  observe(value: Value, seconds: number): void {
    const series = this.byValue.get(value);
    if (series === undefined || !Number.isFinite(seconds)) return;
    const { buckets } = this;
    let bucket = 0;
    while (bucket < buckets.length && seconds > buckets[bucket]) bucket++;
    series.counts[bucket] += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** Prometheus data as prom-client's histogram gives it: per series, cumulative buckets (`le`, then `+Inf`), `_sum`, `_count`. */
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    this.series.forEach((series, index) => {
      const label = this.labelValues[index];
      let cumulative = 0;
      this.buckets.forEach((bound, bucket) => {
        cumulative += series.counts[bucket];
        values.push({ labels: { le: bound, [this.labelName]: label }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', [this.labelName]: label }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { [this.labelName]: label }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { [this.labelName]: label }, value: series.count, metricName: `${this.name}_count` });
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Back to zero (prom-client's `Registry.resetMetrics`). */
  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
