import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// PGlite has ONE backend session; pglite-socket multiplexes every client
// connection onto it through a queue of protocol messages. Its queue (0.2.17)
// only keeps a connection's messages together while a transaction is open, so
// two connections' extended-protocol round trips (Parse/Bind/Execute/Sync) can
// interleave: one connection's Bind then runs the other's unnamed statement and
// returns the wrong rows. We replace its scheduling policy with one that also
// keeps every round trip whole (from the first message up to Sync or a simple
// Query), and that does not stall the queue after a failed message.
// The package version is pinned exactly; test/db covers this behaviour.

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}

interface MessageQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

/** True when this message ends a round trip (or is a startup/SSL message, whose first byte is 0). */
function endsRoundTrip(message: Uint8Array): boolean {
  const type = message[0];
  return type === SYNC || type === SIMPLE_QUERY || type === TERMINATE || type === 0;
}

export function keepRoundTripsWhole(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: MessageQueue }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function') {
    throw new Error('Unsupported @electric-sql/pglite-socket version: its message queue changed shape');
  }
  let openRoundTrip: number | null = null;

  queue.processQueue = async function processQueue(this: MessageQueue) {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.db.isInTransaction() ? this.lastHandlerId : openRoundTrip;
        const index = owner === null ? 0 : this.queue.findIndex((item) => item.handlerId === owner);
        if (index === -1) break; // the owner's next message has not arrived yet
        const [item] = this.queue.splice(index, 1) as [QueuedMessage];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          openRoundTrip = null;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        openRoundTrip = endsRoundTrip(item.message) ? null : item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(queue);

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (openRoundTrip === handlerId) {
      openRoundTrip = null;
      void queue.processQueue();
    }
  };
}
