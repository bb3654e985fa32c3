/**
 * The public API of domain/: pure TypeScript shared by the mini-program, the
 * server and the workers. Test helpers (identity/resident-id.fixtures) are not
 * exported here; import them directly in tests.
 */
export * from './errors';
export * from './api/health';

export type { ParseResult } from './validation/result';
export { chineseIssueMessage, fieldErrorsFromIssues } from './validation/field-errors';
export { codePointLength, toHalfWidth } from './text/normalize';
export {
  type CalendarDate,
  addDays,
  ageInYears,
  chinaDate,
  compareCalendarDates,
  formatCalendarDate,
  isLeapYear,
  isRealCalendarDate,
  parseCalendarDate,
} from './time/calendar-date';

export * from './identity/resident-id';
export * from './identity/student-number';
export * from './contact/phone';
export * from './contact/email';
export * from './person/name';
export * from './account/credentials';
export { COMMON_PASSWORDS } from './account/common-passwords';
export * from './masking';

export * from './profile/schemas';
export * from './profile/key-fields';
export * from './profile/guardian-consent';

export * from './review/state-machine';
