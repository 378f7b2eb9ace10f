// npm run db:migrate — applies pending migrations to DATABASE_URL, or to the
// embedded database in DATA_DIR (which must not be in use by a running server).
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';

const logger = pino({ level: 'info' });
const db = await openDatabase(loadConfig(), { logger, migrate: true });
await db.close();
process.exit(0);
