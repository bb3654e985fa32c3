/** Semesters: opening, the reset to reconfirm_required, reminders, and recording a reconfirmation. */
export * from './semesters';
export * from './reset';
export * from './reminders';
export { markReconfirmed } from './reconfirmed';
