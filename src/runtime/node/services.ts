import { join } from 'node:path';
import { RedisBus } from '../../adapters/pubsub/redis/redis-bus.ts';
import { PostgresStore } from '../../adapters/store/postgres/postgres-store.ts';
import type { KyselyStore } from '../../adapters/store/sql/kysely-store.ts';
import { SqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import type { Logger } from '../../core/ports.ts';
import type { Config } from './config.ts';
import { ensureDataDir } from './data-dir.ts';

/**
 * The store the configuration asks for, migrated: PostgreSQL when BREAKWATER_DATABASE_URL is set
 * (the scale-out shape; N processes may call this at once), else the SQLite file in the data dir.
 */
export async function openStore(config: Config): Promise<KyselyStore> {
  ensureDataDir(config.BREAKWATER_DATA_DIR);
  const store = config.BREAKWATER_DATABASE_URL
    ? new PostgresStore({ connectionString: config.BREAKWATER_DATABASE_URL, poolSize: config.BREAKWATER_DATABASE_POOL_SIZE })
    : new SqliteStore({ filename: join(config.BREAKWATER_DATA_DIR, 'breakwater.db'), synchronous: config.BREAKWATER_SQLITE_SYNCHRONOUS, cacheMb: config.BREAKWATER_SQLITE_CACHE_MB });
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/**
 * The Redis link when BREAKWATER_REDIS_URL is set. A Redis that is down at start does not stop
 * the start: the node runs on its local fallbacks and joins the others once Redis answers.
 */
export async function connectRedis(config: Config, logger: Logger): Promise<RedisBus | null> {
  if (!config.BREAKWATER_REDIS_URL) return null;
  const bus = new RedisBus({ url: config.BREAKWATER_REDIS_URL, logger, prefix: config.BREAKWATER_REDIS_PREFIX });
  await bus.connect();
  return bus;
}
