import * as domain from './index';

describe('the domain public API', () => {
  it('exports the validators, schemas, masking and the review state machine', () => {
    for (const name of [
      'parseResidentId', 'normalizeResidentId', 'residentIdCheckChar', 'residentIdSchema',
      'parseStudentNumber', 'studentNumberSchema', 'parsePhone', 'phoneSchema', 'parseEmail', 'emailSchema',
      'parsePersonName', 'personNameSchema', 'usernameKey', 'validatePassword', 'usernameSchema', 'passwordSchema',
      'maskResidentId', 'maskPhone', 'maskName', 'maskEmail', 'maskStudentNumber',
      'PersonalInfoSchema', 'SchoolInfoSchema', 'GuardianSchema', 'GuardiansSchema', 'GuardianConsentSchema',
      'ProfileSubmissionSchema', 'ProfileDraftSchema', 'KEY_FIELDS', 'diffKeyFields',
      'REVIEW_STATES', 'REVIEW_EVENTS', 'TRANSITIONS', 'transition', 'canTransition', 'allowedEvents', 'isFinal',
      'ReviewTransitionError', 'AppError', 'ERROR_CATALOG',
    ]) {
      expect(domain).toHaveProperty(name);
    }
  });
});
