/**
 * The one `for await` loop over a `receive()` that ends with `EndOfStream`:
 * shared by the local channels (broadcast subscriptions, infected-task
 * channels and queues) so each iterates the same way.
 */
import { EndOfStream } from '../errors.ts';

/** Yield what `receive()` resolves to until it rejects with `EndOfStream` (a clean end); any other error is raised. */
export async function* receiveAll<T>(receive: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    try {
      yield await receive();
    } catch (err) {
      if (err instanceof EndOfStream) return;
      throw err;
    }
  }
}
