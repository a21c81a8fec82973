/**
 * Column types as Kysely sees them. Timestamps are ISO text on SQLite and timestamptz on
 * PostgreSQL; read them with `readTime`. Booleans are 0/1 on SQLite; read them with `readBool`.
 * JSON is text on SQLite; read it with `readJson`.
 */
export type Timestamp = string;
export type Bool = boolean | number;
export type Json = unknown;

/**
 * A transaction (or the database) handed to another module's service so that its writes commit
 * with the caller's: typed with no tables, since a module only queries its own.
 */

export type Tx = import("kysely").Kysely<any>;
