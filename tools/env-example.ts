/** `npm run env:example`: rewrite .env.example from the configuration schema. */
import fs from 'node:fs';
import path from 'node:path';
import { renderEnvExample } from '../config/env-example';

fs.writeFileSync(path.join(__dirname, '..', '.env.example'), renderEnvExample());
console.log('.env.example written');
