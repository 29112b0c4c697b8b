/** What the parts of this process will load at first use (see loadedAtFirstUse). */
const wanted = new Set<() => Promise<unknown>>();

export interface LoadedAtFirstUse<T> {
  /** Loads it, once: later calls get the same promise. */
  load(): Promise<T>;
  /** Says a part of this process will use it, so warmUp() loads it once the process has started. */
  want(): void;
}

/**
 * A library a start does not need, loaded at its first use: a start stays short. A part that will
 * use it says so when it is made (`want`), and warmUp() then loads it off the request path once
 * the process has started, so the first request that needs it does not wait for it either (a
 * fresh process's first passkey ceremony waited 0.3 s for the WebAuthn library, and over a
 * second on a busy machine: past a split gateway's patience).
 */
export function loadedAtFirstUse<T>(importIt: () => Promise<T>): LoadedAtFirstUse<T> {
  let loading: Promise<T> | undefined;
  const load = () => {
    loading ??= importIt();
    return loading;
  };
  return { load, want: () => void wanted.add(load) };
}

/**
 * Loads, one after another, what the parts of this process want. A failure is left for the first
 * use to report, as it would be without the warm-up.
 */
export async function warmUp(): Promise<void> {
  for (const load of wanted) await load().catch(() => {});
}
