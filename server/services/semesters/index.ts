/** Semesters: opening, the reset to reconfirm_required, reminders (an approval records the reconfirmation: review-approval.ts). */
export * from './semesters';
export * from './reset';
export * from './reminders';
