/** In-memory Prometheus-style counters, labelled by component, served at `/metrics` when `http.enabled`. */
export class Metrics {
  constructor(
    private readonly counters = new Map<string, { name: string; labels: Record<string, string>; value: number }>(),
    private readonly extra: Record<string, string> = {},
  ) {}

  /** A view sharing these counters that adds labels (the CLI labels each stream of a multi-file run with its file). */
  withLabels(labels: Record<string, string>): Metrics {
    return new Metrics(this.counters, { ...this.extra, ...labels });
  }

  add(name: string, componentLabels: Record<string, string>, by = 1): void {
    if (by === 0) return;
    const labels = { ...this.extra, ...componentLabels };
    const key = `${name}${JSON.stringify(labels)}`;
    const c = this.counters.get(key);
    if (c) c.value += by;
    else this.counters.set(key, { name, labels, value: by });
  }

  get(name: string, componentLabels: Record<string, string>): number {
    return this.counters.get(`${name}${JSON.stringify({ ...this.extra, ...componentLabels })}`)?.value ?? 0;
  }

  /** The Prometheus text exposition format. */
  render(): string {
    const byName = new Map<string, string[]>();
    for (const c of this.counters.values()) {
      const labels = Object.entries(c.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
      const lines = byName.get(c.name) ?? [];
      lines.push(`${c.name}{${labels}} ${c.value}`);
      byName.set(c.name, lines);
    }
    return [...byName].map(([name, lines]) => `# TYPE ${name} counter\n${lines.join('\n')}`).join('\n') + '\n';
  }
}
