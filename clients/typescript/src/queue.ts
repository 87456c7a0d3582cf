import type { CreateSession, EditSession, SyncKind } from './types.js';

/**
 * An action made on the view and not yet confirmed by the service. `sessionId` is negative while it names a
 * session created offline (the create's `localId`) whose real id is not known yet.
 */
export interface QueuedOperation {
  readonly position: number;
  readonly idempotencyKey: string;
  readonly kind: SyncKind;
  readonly sessionId?: number;
  readonly localId?: number;
  readonly body?: CreateSession | EditSession;
  readonly at: number;
  readonly baseVersion?: number;
  /** Set while the action is held for an undo (local clock, ms); a view that loads it held sends it. */
  readonly heldUntilMs?: number;
}

/** Where queued operations are kept until the service has them: they must outlive a reload of the page. */
export interface QueueStore {
  /** Every kept operation, in `position` order. */
  load(): Promise<QueuedOperation[]>;
  put(operation: QueuedOperation): Promise<void>;
  delete(idempotencyKey: string): Promise<void>;
}

/** Keeps the queue for as long as the process lives: for Node and tests. */
export class MemoryQueueStore implements QueueStore {
  private readonly operations = new Map<string, QueuedOperation>();

  load(): Promise<QueuedOperation[]> {
    return Promise.resolve([...this.operations.values()].sort((a, b) => a.position - b.position));
  }

  put(operation: QueuedOperation): Promise<void> {
    this.operations.set(operation.idempotencyKey, operation);
    return Promise.resolve();
  }

  delete(idempotencyKey: string): Promise<void> {
    this.operations.delete(idempotencyKey);
    return Promise.resolve();
  }
}

const storeName = 'operations';

/** Keeps the queue in IndexedDB, one database per `name` (say, per user and service), so it survives a reload. */
export class IndexedDbQueueStore implements QueueStore {
  private database: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly name: string,
    private readonly factory: IDBFactory = indexedDB,
  ) {}

  async load(): Promise<QueuedOperation[]> {
    const all = await this.run('readonly', (store) => store.getAll() as IDBRequest<QueuedOperation[]>);
    return all.sort((a, b) => a.position - b.position);
  }

  async put(operation: QueuedOperation): Promise<void> {
    await this.run('readwrite', (store) => store.put(operation));
  }

  async delete(idempotencyKey: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(idempotencyKey));
  }

  /** Closes the database, as a page being unloaded does. */
  async close(): Promise<void> {
    const database = this.database;
    this.database = null;
    (await database)?.close();
  }

  private open(): Promise<IDBDatabase> {
    this.database ??= new Promise((resolve, reject) => {
      const request = this.factory.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName, { keyPath: 'idempotencyKey' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.database;
  }

  /** One request in its own transaction; resolves once the transaction has committed. */
  private async run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const transaction = (await this.open()).transaction(storeName, mode);
    const request = act(transaction.objectStore(storeName));
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
}
