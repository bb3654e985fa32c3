import { VARIABLES } from './index';

/** The text of .env.example: every variable, its description and its development default. */
export function renderEnvExample(): string {
  const lines = [
    '# EduCard configuration. Every variable is optional in development (the defaults below apply).',
    '# In production (NODE_ENV=production) the variables marked [secret] must be set to your own values.',
    '# Generated from config/index.ts by `npm run env:example`; do not edit by hand.',
    '',
  ];
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const secret = 'secret' in spec && spec.secret;
    lines.push(`# ${spec.description}${secret ? ' [secret]' : ''}`);
    const value = secret ? '' : ('devDefault' in spec ? spec.devDefault : '') ?? '';
    lines.push(`${value === '' ? '# ' : ''}${name}=${value}`, '');
  }
  return lines.join('\n');
}
