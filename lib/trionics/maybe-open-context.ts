/**
 * `trionics.maybeOpenContext`: one resource per key shared by the concurrent
 * users of an actor (Python tractor's `maybe_open_context`). The first user
 * creates it, the others wait for that same creation, and the last one to
 * leave tears it down.
 */
import { InvalidArgument } from '../errors.ts';

interface Entry {
  value: Promise<unknown>;
  users: number;
}

/** Per process, so per actor: every user of a key in this actor shares one entry. */
const cache = new Map<unknown, Entry>();

/**
 * A user's handle on a shared resource: `value`, and `cached` (true when
 * another user created it). Disposing it leaves; the last user to leave
 * tears the resource down.
 *
 * @example
 * ```ts
 * await using db = await tractor.trionics.maybeOpenContext('db', () => openPool());
 * await db.value.query('select 1');
 * ```
 */
export class CachedResource<T> implements AsyncDisposable {
  /** The shared resource. */
  readonly value: T;
  /** True when another user created it (this one joined). */
  readonly cached: boolean;
  readonly #key: unknown;
  readonly #entry: Entry;
  #left = false;

  /** @internal */
  constructor(value: T, cached: boolean, key: unknown, entry: Entry) {
    this.value = value;
    this.cached = cached;
    this.#key = key;
    this.#entry = entry;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    if (--this.#entry.users > 0) return;
    if (cache.get(this.#key) === this.#entry) cache.delete(this.#key);
    await teardown(this.value);
  }
}

async function teardown(value: unknown): Promise<void> {
  const v = value as Partial<AsyncDisposable & Disposable> | null;
  if (typeof v?.[Symbol.asyncDispose] === 'function') await v[Symbol.asyncDispose]!();
  else if (typeof v?.[Symbol.dispose] === 'function') v[Symbol.dispose]!();
}

/**
 * The resource for `key` in this actor: created by `factory()` for the first
 * user (`cached: false`), shared with every later one while any is still in
 * (`cached: true`). When the last user leaves, the resource is disposed if it
 * is `AsyncDisposable` or `Disposable`, and the next user creates a new one.
 * A factory that fails fails every user waiting for it, and is not cached.
 *
 * @example
 * ```ts
 * await using feed = await tractor.trionics.maybeOpenContext('prices', () => openPriceFeed());
 * if (feed.cached) console.log('sharing the feed another task opened');
 * for await (const quote of feed.value) ...
 * ```
 */
export async function maybeOpenContext<T>(key: unknown, factory: () => Promise<T> | T): Promise<CachedResource<T>> {
  if (typeof factory !== 'function') throw new InvalidArgument('maybeOpenContext(key, factory) needs a factory function');
  const existing = cache.get(key);
  if (existing) {
    existing.users++;
    try {
      return new CachedResource(await existing.value as T, true, key, existing);
    } catch (err) {
      existing.users--;
      throw err;
    }
  }
  const entry: Entry = { value: Promise.resolve().then(factory), users: 1 };
  cache.set(key, entry);
  try {
    return new CachedResource(await entry.value as T, false, key, entry);
  } catch (err) {
    if (cache.get(key) === entry) cache.delete(key);
    throw err;
  }
}
