/**
 * Figures of the reliability and security suite (requests fuzzed, matrix
 * cells, faults survived): each test file records its own under
 * test-results/figures/ (or $TEST_FIGURES_DIR), and scripts/test.mjs prints
 * them all after jest, so they appear in the output of `npm test`.
 */
import fs from 'node:fs';
import path from 'node:path';

export function figuresDir(): string {
  return path.resolve(process.env.TEST_FIGURES_DIR ?? path.join(__dirname, '..', '..', 'test-results', 'figures'));
}

export function recordFigures(suite: string, figures: Record<string, number | string>): void {
  const dir = figuresDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ suite, ...figures, at: new Date().toISOString() })}\n`);
}
