// Classifies driver errors that callers should see as "try again", not as bugs.

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'P1001', // Prisma: can't reach database server
  'P1017', // Prisma: server closed the connection
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection refused',
  'DatabaseNotReachable',
  'ConnectionClosed',
];
// P2028: Prisma could not start an interactive transaction within maxWait (the database is busy).
const RETRYABLE_CONFLICT_CODES = new Set(['40001', '40P01', 'P2034', 'P2028']);

function* causes(error: unknown): Generator<Record<string, unknown>> {
  let current = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    yield current as Record<string, unknown>;
    const next = (current as { cause?: unknown }).cause;
    const meta = (current as { meta?: { driverAdapterError?: unknown } }).meta?.driverAdapterError;
    current = next ?? meta;
  }
}

function codeOf(item: Record<string, unknown>): string | undefined {
  const code = item.code ?? item.originalCode ?? (item.kind as string | undefined);
  return typeof code === 'string' ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const item of causes(error)) {
    const code = codeOf(item);
    if (code && UNAVAILABLE_CODES.has(code)) return true;
    const message = typeof item.message === 'string' ? item.message : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m)) || (code && UNAVAILABLE_MESSAGES.includes(code))) return true;
  }
  return false;
}

export function isRetryableConflict(error: unknown): boolean {
  for (const item of causes(error)) {
    const code = codeOf(item);
    if (code && RETRYABLE_CONFLICT_CODES.has(code)) return true;
    if (item.kind === 'TransactionWriteConflict') return true;
  }
  return false;
}

/** The constraint a Postgres unique violation hit (Prisma 7 keeps it under meta.driverAdapterError). */
export function uniqueViolationConstraint(error: unknown): string | undefined {
  for (const item of causes(error)) {
    if (codeOf(item) === '23505' || codeOf(item) === 'P2002' || item.kind === 'UniqueConstraintViolation') {
      for (const inner of causes(item)) {
        const constraint = inner.constraint as unknown;
        if (typeof constraint === 'string') return constraint;
        if (constraint && typeof constraint === 'object' && 'index' in constraint) return String((constraint as { index: unknown }).index);
      }
      return '';
    }
  }
  return undefined;
}

/** Prisma's "no row to update or delete" (P2025), from an update/delete addressed by a unique key. */
export function isRecordNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2025';
}

/** Prisma's foreign-key violation (P2003): the referenced row is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2003';
}
