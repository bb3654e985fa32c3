import { errorMessage } from '../errors';
import { birthDateForAge, makeResidentId } from '../identity/resident-id.fixtures';
import { fieldErrorsFromIssues } from '../validation/field-errors';
import { requiresGuardianConsent } from './guardian-consent';
import {
  GRADES,
  GRADE_LABELS,
  GUARDIAN_RELATIONS,
  GUARDIAN_RELATION_LABELS,
  GuardianConsentSchema,
  SchoolInfoSchema,
  profileDraftSchema,
  profileSubmissionSchema,
} from './schemas';

const NOW = new Date('2025-09-01T02:00:00Z');
const clock = () => NOW;
const submission = profileSubmissionSchema({ clock });
const draft = profileDraftSchema({ clock });

const SCHOOL_ID = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';
const CLASS_ID = '7a1d2e3f-4b5c-4d6e-9f70-8a9b0c1d2e3f';
const STUDENT_12 = makeResidentId({ birthDate: birthDateForAge(12, NOW), sex: 'female' });
const STUDENT_15 = makeResidentId({ birthDate: birthDateForAge(15, NOW), sex: 'male' });
const FATHER = makeResidentId({ province: '32', birthDate: '1985-04-12', sex: 'male' });
const MOTHER = makeResidentId({ province: '32', birthDate: '1987-10-03', sex: 'female' });

function guardian(overrides: Record<string, unknown> = {}) {
  return {
    name: '王 建国',
    relation: 'father',
    residentId: FATHER,
    phone: '+86 139-0000-1111',
    address: '  江苏省南京市鼓楼区中山路 1 号 ',
    ...overrides,
  };
}

function profile(overrides: Record<string, unknown> = {}) {
  return {
    personal: { name: '王小明', residentId: STUDENT_15, phone: '', email: 'Parent@QQ.com' },
    school: { schoolId: SCHOOL_ID.toUpperCase(), grade: 'J2', classId: CLASS_ID },
    guardians: [guardian()],
    ...overrides,
  };
}

const consent = { agreed: true, policyVersion: '2025-09', guardianIndex: 0 };

function fields(input: unknown) {
  const result = submission.safeParse(input);
  return result.success ? {} : fieldErrorsFromIssues(result.error.issues);
}

describe('ProfileSubmissionSchema', () => {
  it('accepts a complete profile and normalises it', () => {
    expect(submission.parse(profile())).toEqual({
      personal: { name: '王小明', residentId: STUDENT_15, phone: undefined, email: 'Parent@qq.com' },
      school: { schoolId: SCHOOL_ID, grade: 'J2', classId: CLASS_ID },
      guardians: [
        { name: '王建国', relation: 'father', residentId: FATHER, phone: '13900001111', address: '江苏省南京市鼓楼区中山路 1 号' },
      ],
    });
  });

  it('reports each bad field at its path with its Chinese message', () => {
    const bad = profile({
      personal: { name: '王3', residentId: '11010519491231002X' },
      school: { schoolId: 'nope', grade: 'P7', classId: CLASS_ID },
      guardians: [guardian({ relation: 'uncle', phone: '123', address: '' })],
    });
    expect(fields(bad)).toEqual({
      'personal.name': errorMessage('NAME_CHARS'),
      'personal.residentId': errorMessage('ID_AGE_STUDENT'),
      'school.schoolId': errorMessage('SCHOOL_INVALID'),
      'school.grade': errorMessage('GRADE_INVALID'),
      'guardians.0.relation': errorMessage('GUARDIAN_RELATION_INVALID'),
      'guardians.0.phone': errorMessage('PHONE_FORMAT'),
      'guardians.0.address': errorMessage('REQUIRED'),
    });
  });

  it('requires a guardian who is an adult', () => {
    const minor = makeResidentId({ birthDate: birthDateForAge(17, NOW) });
    expect(fields(profile({ guardians: [guardian({ residentId: minor })] }))).toEqual({
      'guardians.0.residentId': errorMessage('ID_AGE_GUARDIAN'),
    });
  });

  it('needs one or two guardians', () => {
    expect(fields(profile({ guardians: [] }))).toEqual({ guardians: errorMessage('GUARDIANS_COUNT') });
    const three = [guardian(), guardian({ residentId: MOTHER, relation: 'mother' }), guardian({ residentId: MOTHER })];
    expect(fields(profile({ guardians: three }))).toMatchObject({ guardians: errorMessage('GUARDIANS_COUNT') });
    expect(fields(profile({ guardians: three.slice(0, 2) }))).toEqual({});
  });

  it('limits the address to 120 characters', () => {
    expect(fields(profile({ guardians: [guardian({ address: '路'.repeat(120) })] }))).toEqual({});
    expect(fields(profile({ guardians: [guardian({ address: '路'.repeat(121) })] }))).toEqual({
      'guardians.0.address': errorMessage('ADDRESS_LENGTH'),
    });
  });

  describe('guardian consent for a student under 14', () => {
    it('is required', () => {
      expect(fields(profile({ personal: { name: '王小红', residentId: STUDENT_12 } }))).toEqual({
        consent: errorMessage('GUARDIAN_CONSENT_REQUIRED'),
      });
      expect(fields(profile({ personal: { name: '王小红', residentId: STUDENT_12 }, consent }))).toEqual({});
    });

    it('is counted on China\'s date: the day before the 14th birthday still needs it, the birthday does not', () => {
      const almost14 = makeResidentId({ birthDate: birthDateForAge(14, NOW, 1) });
      const just14 = makeResidentId({ birthDate: birthDateForAge(14, NOW) });
      expect(requiresGuardianConsent(almost14, NOW)).toBe(true);
      expect(requiresGuardianConsent(just14, NOW)).toBe(false);
      expect(fields(profile({ personal: { name: '王小红', residentId: just14 } }))).toEqual({});
    });

    it('must be agreed and name an existing guardian', () => {
      const under14 = { personal: { name: '王小红', residentId: STUDENT_12 } };
      expect(fields(profile({ ...under14, consent: { ...consent, agreed: false } }))).toEqual({
        'consent.agreed': errorMessage('GUARDIAN_CONSENT_REQUIRED'),
      });
      expect(fields(profile({ ...under14, consent: { ...consent, guardianIndex: 1 } }))).toEqual({
        'consent.guardianIndex': errorMessage('GUARDIAN_CONSENT_GUARDIAN'),
      });
      expect(fields(profile({ ...under14, consent: { ...consent, guardianIndex: 2 } }))).toEqual({
        'consent.guardianIndex': errorMessage('GUARDIAN_CONSENT_GUARDIAN'),
      });
      expect(fields(profile({ ...under14, consent: { ...consent, policyVersion: ' ' } }))).toEqual({
        'consent.policyVersion': errorMessage('REQUIRED'),
      });
    });

    it('is optional but still validated for a student of 14 or older', () => {
      expect(fields(profile({ consent }))).toEqual({});
      expect(fields(profile({ consent: { ...consent, agreed: 'yes' } }))).toEqual({
        'consent.agreed': errorMessage('GUARDIAN_CONSENT_REQUIRED'),
      });
    });
  });

  it('refuses two guardians with the same ID, also when typed differently', () => {
    const lower = FATHER.toLowerCase();
    expect(fields(profile({ guardians: [guardian(), guardian({ relation: 'mother', residentId: ` ${lower} ` })] }))).toEqual({
      'guardians.1.residentId': errorMessage('GUARDIAN_DUPLICATE_ID'),
    });
  });

  it('refuses a guardian with the student\'s ID', () => {
    const student = makeResidentId({ birthDate: birthDateForAge(20, NOW) });
    expect(
      fields(profile({ personal: { name: '王小明', residentId: student }, guardians: [guardian({ residentId: student })] })),
    ).toEqual({ 'guardians.0.residentId': errorMessage('GUARDIAN_ID_IS_STUDENT') });
  });

  it('reads the clock at parse time, not when the schema was made', () => {
    let now = new Date('2025-09-01T02:00:00Z');
    const schema = profileSubmissionSchema({ clock: () => now });
    const turns14Tomorrow = { personal: { name: '王小红', residentId: makeResidentId({ birthDate: '2011-09-02' }) } };
    expect(schema.safeParse(profile(turns14Tomorrow)).success).toBe(false);
    now = new Date('2025-09-02T02:00:00Z');
    expect(schema.safeParse(profile(turns14Tomorrow)).success).toBe(true);
  });
});

describe('ProfileDraftSchema', () => {
  it('accepts an empty draft and blank fields', () => {
    expect(draft.parse({})).toEqual({});
    expect(draft.parse({ personal: { name: '', residentId: '  ', phone: null }, school: {}, guardians: [{}] })).toEqual({
      personal: {},
      school: {},
      guardians: [{}],
    });
  });

  it('still validates and normalises every field that is present', () => {
    expect(draft.parse({ personal: { name: '阿卜杜・买买提' }, school: { grade: 'P3' } })).toEqual({
      personal: { name: '阿卜杜·买买提' },
      school: { grade: 'P3' },
    });
    const result = draft.safeParse({ personal: { residentId: '110105491231002' }, guardians: [{ phone: '12' }] });
    expect(fieldErrorsFromIssues(result.error?.issues ?? [])).toEqual({
      'personal.residentId': errorMessage('ID_LEGACY_15'),
      'guardians.0.phone': errorMessage('PHONE_FORMAT'),
    });
  });

  it('holds at most two guardians', () => {
    expect(draft.safeParse({ guardians: [{}, {}, {}] }).success).toBe(false);
  });
});

describe('labels', () => {
  it('has a Chinese label for every grade and relation', () => {
    expect(GRADES.map((g) => GRADE_LABELS[g])).toEqual([
      '幼儿园小班', '幼儿园中班', '幼儿园大班', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级',
      '初一', '初二', '初三', '高一', '高二', '高三',
    ]);
    expect(GUARDIAN_RELATIONS.map((r) => GUARDIAN_RELATION_LABELS[r])).toEqual([
      '父亲', '母亲', '爷爷', '奶奶', '外公', '外婆', '其他亲属', '其他监护人',
    ]);
  });

  it('rejects a grade outside the list and a school id that is not a uuid', () => {
    expect(SchoolInfoSchema.safeParse({ schoolId: SCHOOL_ID, grade: 'S4', classId: CLASS_ID }).success).toBe(false);
    expect(SchoolInfoSchema.safeParse({ schoolId: SCHOOL_ID, grade: 'S3', classId: '123' }).success).toBe(false);
    expect(GuardianConsentSchema.safeParse(consent).success).toBe(true);
  });
});
