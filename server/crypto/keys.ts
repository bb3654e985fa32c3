import { parseKeyRing, type Config } from '../../config';
import { PiiCipher } from './pii';

export function piiCipherFromConfig(config: Config): PiiCipher {
  return new PiiCipher({
    keys: parseKeyRing(config.PII_ENCRYPTION_KEYS),
    currentKeyId: config.PII_CURRENT_KEY_ID,
    blindIndexKey: Uint8Array.from(Buffer.from(config.PII_BLIND_INDEX_KEY, 'base64')),
  });
}
