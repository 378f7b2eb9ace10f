import type { LoggerOptions } from 'pino';
import type { Config } from '../config.js';

// Secrets that may appear in request logs or in objects we log. pino removes
// these paths before a line is written.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.privateKey',
  '*.private_key',
  '*.credentials',
  '*.secret',
  // The same names at the top level and one level deeper, and headers as other
  // clients spell them (an HTTP client's error carries `config.headers.Authorization`).
  'token',
  'password',
  'privateKey',
  'private_key',
  'credentials',
  'secret',
  'authorization',
  '*.authorization',
  '*.Authorization',
  '*.*.token',
  '*.*.privateKey',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.*.headers.authorization',
  '*.*.headers.Authorization',
  'req.headers["proxy-authorization"]',
];

// pino-pretty is a devDependency: a production install (`npm ci --omit=dev`) writes JSON lines even
// on a terminal instead of failing to start.
function prettyPrinterInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function loggerOptions(config: Config): LoggerOptions {
  const pretty = process.stdout.isTTY && config.env !== 'production' && prettyPrinterInstalled();
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
