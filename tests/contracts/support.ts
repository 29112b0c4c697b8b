import { expect, it } from 'vitest';
import { createEvent, UnavailableError, type CloudEvent, type Outbox, type OutboxEntry } from '../../modules/kernel/mod.ts';

/** What a runner hands a contract suite: the adapter under test and an outbox to observe its events. */
export interface ContractAdapter<Repo> {
  repo: Repo;
  /** Reads the outbox the repository writes to, so a suite can see which events were stored. */
  outbox: Outbox;
  close?: () => Promise<void>;
}

/** Called before each test; may share storage with earlier tests unless the suite says otherwise. */
export type MakeAdapter<Repo> = () => ContractAdapter<Repo> | Promise<ContractAdapter<Repo>>;

/** A fresh CloudEvent to hand a repository write. */
export function testEvent(type = 'test.happened', subject: string = crypto.randomUUID()): CloudEvent {
  return createEvent({ source: 'contract-test', type, subject, data: { marker: crypto.randomUUID() } });
}

/** Drains every unsent entry (in batches) and returns them in the order they were published. */
export async function drainAll(outbox: Outbox): Promise<OutboxEntry[]> {
  const published: OutboxEntry[] = [];
  while ((await outbox.drain(100, async (entries) => void published.push(...entries))) > 0);
  return published;
}

/** Ids of the drained entries, for membership checks on an outbox other tests also write to. */
export async function drainedIds(outbox: Outbox): Promise<Set<string>> {
  return new Set((await drainAll(outbox)).map((e) => e.id));
}

/** A Date `seconds` from `base`, whole milliseconds so it survives a round trip through any store. */
export function secondsFrom(base: Date, seconds: number): Date {
  return new Date(base.getTime() + seconds * 1000);
}

/** Resolves once `check` returns true, polling briefly; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 1000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A store a test can take away and give back: a real server behind a proxy the test controls. */
export interface StoreOutage {
  /** Cuts every connection to the store and refuses new ones, as a crashed server would. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  /** Longest a call may take to reject while the store is down: the adapter's timeout and a margin. */
  failsWithinMs: number;
}

/**
 * What a runner hands a suite for its store-down cases. An adapter over a store that can fail
 * gives `make`, which builds the adapter over a store `outage` can cut (the suite's usual storage
 * otherwise). An adapter with nothing that can fail says why in `noStore`: its store-down cases
 * then show as skipped, the reason in their names, rather than vanish.
 */
export type StoreDown<Make> = { make: Make; outage: StoreOutage } | { noStore: string };

/** The title of each suite's main store-down case. */
export const unavailableChangesNothing =
  'every method rejects with UnavailableError in time, changes nothing, and works again once the store is back';

/** Registers a store-down case, "store down: `title`", run or skipped as `storeDown` says. */
export function itWhenStoreIsDown<Make>(
  title: string,
  storeDown: StoreDown<Make>,
  body: (make: Make, outage: StoreOutage) => Promise<void>,
) {
  if ('noStore' in storeDown) return it.skip(`store down: ${title} (not run: ${storeDown.noStore})`, () => {});
  const { make, outage } = storeDown;
  it(`store down: ${title}`, async () => {
    try {
      await body(make, outage);
    } finally {
      outage.restore(); // a failed case must not leave the store away for the next
    }
  });
}

/** How long `work` took to settle, and its rejection (null when it resolved). */
export async function timed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

/** Expects each call to reject with UnavailableError within `withinMs`; they run at once, as callers would. */
export async function expectUnavailable(withinMs: number, calls: Record<string, () => Promise<unknown>>): Promise<void> {
  const outcomes = await Promise.all(Object.values(calls).map(timed));
  Object.keys(calls).forEach((name, i) => {
    expect(outcomes[i]!.error, `${name}() while the store is down`).toBeInstanceOf(UnavailableError);
    expect(outcomes[i]!.ms, `ms for ${name}() to reject`).toBeLessThan(withinMs);
  });
}

/** Resolves once `probe` succeeds, polling; fails when the adapter has not recovered within `withinMs`. */
export async function recovered(probe: () => Promise<unknown>, withinMs = 5000): Promise<void> {
  const until = performance.now() + withinMs;
  for (;;) {
    const { error } = await timed(probe);
    if (error === null) return;
    if (performance.now() > until) throw new Error(`no recovery within ${withinMs} ms of the store coming back`, { cause: error });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The common store-down case: with the store cut, every one of `calls` rejects with
 * UnavailableError in time; with it back, `probe` succeeds again within a few seconds. The suite
 * then reads back that nothing changed.
 */
export async function expectUnavailableWhileDown(
  outage: StoreOutage,
  calls: Record<string, () => Promise<unknown>>,
  probe: () => Promise<unknown>,
): Promise<void> {
  outage.cut();
  try {
    await expectUnavailable(outage.failsWithinMs, calls);
  } finally {
    outage.restore();
  }
  await recovered(probe);
}
