import { createHash } from 'node:crypto';
import { FingerprintTable } from './fingerprint-table';

const key = (value: string) => createHash('sha256').update(value).digest();

describe('FingerprintTable', () => {
  test('remembers the first row of every value, also after growing', () => {
    const table = new FingerprintTable();
    const n = 50_000;
    for (let i = 0; i < n; i += 1) expect(table.firstRowOrAdd(key(`v${i}`), i + 2)).toBe(0);
    expect(table.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(table.firstRowOrAdd(key(`v${i}`), 999_999)).toBe(i + 2);
    expect(table.size).toBe(n);
  });

  test('refuses row 0, which marks an empty slot', () => {
    expect(() => new FingerprintTable().firstRowOrAdd(key('x'), 0)).toThrow(RangeError);
  });
});
