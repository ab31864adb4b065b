import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { toDatabaseUnavailableError } from './unavailable.ts';

/**
 * Wraps a Kysely dialect so that every driver call — queries, transaction control, acquiring a
 * connection — turns a "database unavailable" error into `GovbridgeError('database_unavailable')`
 * (see ./unavailable.ts). One place for every query of the hub, instead of a try/catch at each.
 *
 * A Kysely plugin cannot do this (plugins see queries and results, never errors), so it is done at
 * the driver, which the dialect creates.
 *
 * One more thing only the driver can see: when a statement fails because the database became
 * unavailable (SQLite: disk full; PostgreSQL: the connection died), the ROLLBACK that Kysely sends
 * next fails too, and Kysely throws the rollback's error instead of the first. The wrapper remembers
 * the first outage error of the transaction and throws that, so the caller (and the log) see
 * "disk full" rather than "cannot rollback - no transaction is active".
 */
export function withUnavailableErrors(dialect: Dialect): Dialect {
  return {
    createDriver: () => new ClassifyingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

function convert(err: unknown): unknown {
  return toDatabaseUnavailableError(err);
}

class ClassifyingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  /** The first outage error since the current transaction began (see rollbackTransaction). */
  outage: unknown;

  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  async executeQuery<R>(query: CompiledQuery, options?: Parameters<DatabaseConnection['executeQuery']>[1]) {
    try {
      return await this.inner.executeQuery<R>(query, options);
    } catch (err) {
      throw this.#note(err);
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize: number,
    options?: Parameters<DatabaseConnection['streamQuery']>[2],
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      for await (const chunk of this.inner.streamQuery<R>(query, chunkSize, options)) yield chunk;
    } catch (err) {
      throw this.#note(err);
    }
  }

  #note(err: unknown): unknown {
    const converted = convert(err);
    if (converted !== err && this.outage === undefined) this.outage = converted;
    return converted;
  }
}

class ClassifyingDriver implements Driver {
  readonly #inner: Driver;
  readonly #wrapped = new WeakMap<DatabaseConnection, ClassifyingConnection>();
  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  constructor(inner: Driver) {
    this.#inner = inner;
    const savepoint = inner.savepoint?.bind(inner);
    const rollbackTo = inner.rollbackToSavepoint?.bind(inner);
    const release = inner.releaseSavepoint?.bind(inner);
    type Compile = QueryCompiler['compileQuery'];
    if (savepoint) {
      this.savepoint = (c: DatabaseConnection, name: string, compile: Compile) =>
        this.#guard(() => savepoint(unwrap(c), name, compile));
    }
    if (rollbackTo) {
      this.rollbackToSavepoint = (c: DatabaseConnection, name: string, compile: Compile) =>
        this.#guard(() => rollbackTo(unwrap(c), name, compile));
    }
    if (release) {
      this.releaseSavepoint = (c: DatabaseConnection, name: string, compile: Compile) =>
        this.#guard(() => release(unwrap(c), name, compile));
    }
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw convert(err);
    }
  }

  init(options?: Parameters<Driver['init']>[0]): Promise<void> {
    return this.#guard(() => this.#inner.init(options));
  }

  async acquireConnection(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    const inner = await this.#guard(() => this.#inner.acquireConnection(options));
    let wrapped = this.#wrapped.get(inner);
    if (!wrapped) {
      wrapped = new ClassifyingConnection(inner);
      this.#wrapped.set(inner, wrapped);
    }
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (connection instanceof ClassifyingConnection) connection.outage = undefined;
    return this.#guard(() => this.#inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.commitTransaction(unwrap(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.rollbackTransaction(unwrap(connection));
    } catch (err) {
      const first = connection instanceof ClassifyingConnection ? connection.outage : undefined;
      throw first ?? convert(err);
    }
  }

  releaseConnection(
    connection: DatabaseConnection,
    options?: Parameters<Driver['releaseConnection']>[1],
  ): Promise<void> {
    if (connection instanceof ClassifyingConnection) connection.outage = undefined;
    return this.#guard(() => this.#inner.releaseConnection(unwrap(connection), options));
  }

  destroy(options?: Parameters<Driver['destroy']>[0]): Promise<void> {
    return this.#inner.destroy(options);
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof ClassifyingConnection ? connection.inner : connection;
}
