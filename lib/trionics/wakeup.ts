/**
 * `Wakeup`: the tasks waiting for "something changed" on one object (a
 * message buffered, a dialog ended, credit granted), woken all at once. Each
 * waiter checks its own condition again after it wakes, as with a condition
 * variable, so one wakeup serves every kind of change.
 */
export class Wakeup {
  #waiters: (() => void)[] = [];

  /** True when some task is waiting (a hot path skips the wakeup otherwise). */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Resolves at the next {@link wakeAll}. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wake every task waiting now (a task that waits again waits for the next change). */
  wakeAll(): void {
    const ws = this.#waiters;
    if (!ws.length) return;
    this.#waiters = [];
    for (const w of ws) w();
  }
}
