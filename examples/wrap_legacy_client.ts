// Wrapping a legacy client (Node-style callbacks and an EventEmitter, no
// signals anywhere) as a supervised infected daemon, streamed to its parent:
// the client's quotes flow over a context stream, cancelling mid-stream
// stops the client (nothing keeps running), and the client's 'error' event
// reaches the parent boxed, with its type.
//
//   npx tsx examples/wrap_legacy_client.ts
import { EventEmitter } from 'node:events';
import * as tractor from 'tractor-ts';

/** The legacy client, as a vendor would ship it. */
class QuoteClient extends EventEmitter {
  #timer: NodeJS.Timeout | undefined;
  static open = 0; // live connections in this process

  connect(host: string, cb: (err: Error | null, banner?: string) => void): void {
    setTimeout(() => {
      QuoteClient.open++;
      cb(null, `connected to ${host}`);
    }, 10);
  }

  /** Promise-returning, like newer parts of such clients; knows nothing of cancellation. */
  login(user: string): Promise<string> {
    return new Promise((resolve) => setTimeout(() => resolve(`session-${user}`), 10));
  }

  subscribe(symbol: string, failAfter?: number): void {
    let n = 0;
    this.#timer = setInterval(() => {
      if (n === failAfter) {
        this.emit('error', Object.assign(new ConnectionResetError(`quote feed for ${symbol} reset by peer`), { code: 'ECONNRESET' }));
        return this.close();
      }
      this.emit('quote', { symbol, price: 100 + n++ });
    }, 20);
  }

  close(): void {
    if (this.#timer) QuoteClient.open--;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.emit('close');
  }
}

/** The legacy client's own error type (registered so the parent gets the class itself as `boxedType`). */
export class ConnectionResetError extends Error {
  override name = 'ConnectionResetError';
}
tractor.registerErrorType(ConnectionResetError);

/** Stream one symbol's quotes to the parent until cancelled, or until the client fails. */
export const quoteFeed = tractor.context(async (ctx, args: { symbol: string; failAfter?: number }) => {
  const client = new QuoteClient();
  const banner = await tractor.toPromise.fromCallback<string>(client.connect.bind(client))('quotes.example');
  const session = await tractor.toPromise.runTask((user: string) => client.login(user), 'demo');
  await ctx.started(`${banner} (${session})`);
  await using stream = await ctx.openStream();
  try {
    client.subscribe(args.symbol, args.failAfter);
    for await (const quote of tractor.toPromise.events(client, 'quote')) await stream.send(quote);
  } finally {
    client.close(); // cancelled or failed: the legacy client stops with the task
  }
});

/** How many legacy connections are still open in this actor. */
export async function openConnections(): Promise<number> {
  return QuoteClient.open;
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('quotes', { enableModules: [import.meta.url], infectPromises: true });
  {
    await using ctx = await portal.openContext(quoteFeed, { symbol: 'ACME' });
    console.log(`feed open: ${ctx.first}`);
    await using stream = await ctx.openStream();
    let n = 0;
    for await (const q of stream as AsyncIterable<{ symbol: string; price: number }>) {
      console.log(`${q.symbol} ${q.price}`);
      if (++n === 3) break; // stop mid-stream: leaving the blocks cancels the feed
    }
  }
  console.log(`cancelled mid-stream; legacy connections still open: ${await portal.run(openConnections)}`);
  try {
    await using ctx = await portal.openContext(quoteFeed, { symbol: 'BOOM', failAfter: 2 });
    await using stream = await ctx.openStream();
    for await (const q of stream as AsyncIterable<{ symbol: string; price: number }>) console.log(`${q.symbol} ${q.price}`);
  } catch (err) {
    const e = err as tractor.RemoteActorError;
    console.log(`the client's 'error' reached the parent boxed: ${e.boxedTypeName}${e.boxedType === ConnectionResetError ? ' (boxedType is the class itself)' : ''}`);
    console.log(e.message);
  }
  console.log(`legacy connections still open: ${await portal.run(openConnections)}`);
}

if (tractor.isMain(import.meta)) tractor.run(main);
