import { createEvent, type CloudEvent, type Outbox, type OutboxEntry } from '../../modules/kernel/mod.ts';

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
