import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics, RequestDurations } from './metrics.js';

describe('RequestDurations', () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const observations: Array<[string, string, number, number]> = [
      ['GET', '/api/v1/showtimes/:showtimeId/seats', 200, 0.0004],
      ['GET', '/api/v1/showtimes/:showtimeId/seats', 200, 0.005], // on a bound: counted in it
      ['GET', '/api/v1/showtimes/:showtimeId/seats', 304, 0.02],
      ['POST', '/api/v1/bookings', 201, 0.3],
      ['POST', '/api/v1/bookings', 409, 12], // above every bound: +Inf only
      ['GET', 'unmatched', 404, 0.001],
    ];
    const ours = new RequestDurations();
    const theirsRegistry = new Registry();
    const theirs = new Histogram({
      name: ours.name,
      help: ours.help,
      labelNames: ['method', 'route', 'status'] as const,
      buckets: ours.bounds,
      registers: [theirsRegistry],
    });
    for (const [method, route, status, seconds] of observations) {
      ours.observe(method, route, status, seconds);
      theirs.observe({ method, route, status: String(status) }, seconds);
    }
    const oursRegistry = new Registry();
    oursRegistry.registerMetric(ours as unknown as Histogram);
    const lines = (text: string) => text.split('\n').sort();
    expect(lines(await oursRegistry.metrics())).toEqual(lines(await theirsRegistry.metrics()));

    oursRegistry.resetMetrics();
    expect(await oursRegistry.metrics()).not.toContain('_count');
  });

  it("is in the process's registry", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.httpDuration.observe('GET', '/api/v1/health/live', 200, 0.001);
    expect(await metrics.registry.metrics()).toContain(
      'matinee_http_request_duration_seconds_count{method="GET",route="/api/v1/health/live",status="200"} 1',
    );
  });
});
