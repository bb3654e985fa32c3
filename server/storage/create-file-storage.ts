/** The FileStorage backend STORAGE_BACKEND names, built once per process by createContext. */
import type { Config } from '../../config';
import type { Db } from '../db/client';
import type { FileStorage } from './file-storage';
import { PostgresFileStorage } from './postgres-file-storage';

export function createFileStorage(config: Pick<Config, 'STORAGE_BACKEND' | 'STORAGE_CHUNK_BYTES'>, db: Db): FileStorage {
  switch (config.STORAGE_BACKEND) {
    case 'postgres':
      return new PostgresFileStorage(db, { chunkBytes: config.STORAGE_CHUNK_BYTES });
  }
}
