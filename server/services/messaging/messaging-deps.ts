/**
 * The process dependencies messaging works with: a subset of AppContext, named
 * here so that the messaging runtime, which createContext builds, does not
 * depend on the context module itself.
 */
import type { Config } from '../../../config';
import type { PiiCipher } from '../../crypto/pii';
import type { Db } from '../../db/client';
import type { SmsSender } from '../../integrations/sms/sms-sender';
import type { Logger } from '../../logging/logger';
import type { Redis } from '../../redis';

export interface MessagingDeps {
  config: Config;
  db: Db;
  pii: PiiCipher;
  logger: Logger;
  redis: Redis;
  sms: SmsSender;
}
