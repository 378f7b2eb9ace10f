import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { parseSecretKey, SECRET_KEY_BYTES } from './secret-box.js';

/**
 * Reads the key at `path`, creating it (32 random bytes, hex, mode 0600) when it
 * does not exist. `wx` makes concurrent first starts agree on one key.
 */
export async function loadOrCreateKeyFile(path: string): Promise<{ key: Buffer; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(path, 0o600); // the umask may have narrowed or the fs widened the mode
    return { key: parseSecretKey(await readFile(path, 'utf8')), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { key: parseSecretKey(await readFile(path, 'utf8')), created: false };
}
