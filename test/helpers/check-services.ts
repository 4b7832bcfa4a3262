/**
 * `.ci/run` calls this before the tests: the scale-out suites need PostgreSQL and Redis running
 * (and redis-server installed, for the outage tests). Exits 1 with the reason when one is missing.
 */
import { canStartRedis, POSTGRES_URL, REDIS_URL, requireServices } from './services.ts';

try {
  process.env.CI = 'true';
  await requireServices('scale-out suites', 'postgres', 'redis');
  if (!(await canStartRedis())) throw new Error('scale-out suites: redis-server is not installed (the Redis outage tests start their own)');
  process.stdout.write(`PostgreSQL at ${POSTGRES_URL} and Redis at ${REDIS_URL} answer; redis-server is installed\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
