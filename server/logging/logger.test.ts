/**
 * No plaintext resident ID or phone reaches a log line, wherever it sits: a
 * field, a child logger's bindings, an error's message and stack (a driver
 * error quotes its statement's parameters), free text.
 */
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}

const PHONE = '13912345678';
const ID = '11010120080101123X';

test('When personal data is in fields, bindings, errors or text, then the line carries it masked', () => {
  const { logger, text } = capture();
  logger.child({ caller: PHONE, subject: { idNumber: ID } }).info({ note: `电话${PHONE}`, err: new Error(`insert failed: params ${ID},${PHONE}`) }, `for ${PHONE}`);
  logger.child({ a: 1 }).child({ b: `x ${ID} y` }).warn('nested');
  expect(text()).not.toContain(PHONE);
  expect(text()).not.toContain(ID);
  expect(text()).toContain('139****5678');
  expect(text()).toContain('110101********123X');
});
