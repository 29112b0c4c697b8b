import { Hono } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { authEvents } from '../modules/auth/mod.ts';
import { eventHandlers, subscribeHandlers, type EventBus, type Outbox, type Subscription } from '../modules/kernel/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { BreakerState } from '../adapters/http/port-client.ts';

const breakerValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface MetricsSources {
  outboxes: readonly Outbox[];
  breakers: Record<string, () => BreakerState>;
  bus: EventBus;
}

/** Where Prometheus scrapes. */
export const metricsPath = '/metrics';

/**
 * Prometheus metrics of this process (prom-client): HTTP requests by route template and status,
 * login outcomes and refresh-token reuse (counted from events, so modules stay free of it),
 * rate-limit rejections, mails sent and failed, outbox backlog, event-bus pending and lag and
 * dead letters per consumer group,
 * circuit-breaker state per remote module, process metrics.
 */
export function createMetrics({ service }: { service: string }) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names *_total, which promtool (rightly) rejects; the rest stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const labels = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered.', labelNames: labels, registers });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: labels,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const rateLimited = new Counter({
    name: 'http_rate_limited_total',
    help: 'Requests refused with 429.',
    labelNames: ['route'],
    registers,
  });
  const logins = new Counter({ name: 'auth_logins_total', help: 'Login attempts by outcome.', labelNames: ['outcome'], registers });
  const reuse = new Counter({ name: 'auth_refresh_reuse_detected_total', help: 'Rotated refresh tokens presented again.', registers });
  const mails = new Counter({
    name: 'mail_sends_total',
    help: 'Mails handed to the transport, by outcome (a failed one is retried with its event).',
    labelNames: ['outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'event_bus_dead_letters_total',
    help: 'Events given up after their last retry (or unreadable), by consumer group and type.',
    labelNames: ['group', 'type'],
    registers,
  });

  return {
    /** Records one answered request (see observeRequests). */
    recordRequest({ method, route, status }: { method: string; route: string; status: number }, seconds: number) {
      const values = { method, route, status: String(status) };
      duration.observe(values, seconds);
      requests.inc(values);
      if (status === 429) rateLimited.inc({ route });
    },

    /** Counts one mail send by this process. */
    recordMail(outcome: 'sent' | 'failed') {
      mails.inc({ outcome });
    },

    /** Counts one event dead-lettered by this process's subscriptions. */
    recordDeadLetter({ group, type }: { group: string; type?: string }) {
      deadLetters.inc({ group, type: type ?? 'unknown' });
    },

    /** Counts login outcomes from events; one shared group, so across processes each counts once. */
    subscribe(bus: EventBus): Subscription {
      const handlers = eventHandlers(authEvents, {
        'user.login': async () => void logins.inc({ outcome: 'success' }),
        'user.login_failed': async () => void logins.inc({ outcome: 'failure' }),
        'user.login_mfa_failed': async () => void logins.inc({ outcome: 'mfa_failure' }),
        'session.refresh_reuse_detected': async () => void reuse.inc(),
      });
      return subscribeHandlers(bus, 'metrics', handlers);
    },

    /** Gauges read when scraped. */
    watch({ outboxes, breakers, bus }: MetricsSources) {
      for (const [name, help, pick] of [
        ['event_bus_pending', 'Events delivered to a consumer group but not yet acknowledged.', 'pending'],
        ['event_bus_lag', 'Events published but not yet delivered to a consumer group.', 'lag'],
      ] as const) {
        new Gauge({
          name,
          help,
          labelNames: ['group', 'type'],
          registers,
          async collect() {
            this.reset();
            for (const row of await bus.stats().catch(() => [])) this.set({ group: row.group, type: row.type }, row[pick]);
          },
        });
      }
      new Gauge({
        name: 'outbox_backlog',
        help: 'Outbox entries not yet published.',
        registers,
        async collect() {
          const counts = await Promise.all(outboxes.map((o) => o.backlog().catch(() => 0)));
          this.set(counts.reduce((a, b) => a + b, 0));
        },
      });
      new Gauge({
        name: 'remote_circuit_breaker_state',
        help: 'Breaker of each remote module: 0 closed, 1 half-open, 2 open.',
        labelNames: ['module'],
        registers,
        collect() {
          for (const [module, state] of Object.entries(breakers)) this.set({ module }, breakerValue[state()]);
        },
      });
    },

    /** `GET /metrics` in the Prometheus text format. */
    endpoints: new Hono<AppEnv>().get(metricsPath, async (c) =>
      c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }),
    ),
  };
}
