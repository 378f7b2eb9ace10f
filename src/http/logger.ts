import type { LoggerOptions } from 'pino';
import type { Config } from '../config.js';

// Secrets that may appear in request logs or in objects we log. pino removes
// these paths before a line is written.
export const REDACTED_PATHS = [
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

export function loggerOptions(config: Config): LoggerOptions {
  const pretty = process.stdout.isTTY && config.env !== 'production';
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
