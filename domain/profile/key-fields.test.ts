import { KEY_FIELDS, diffKeyFields, keyFieldsChanged, keyFieldsOf } from './key-fields';

const SCHOOL = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';
const CLASS = '7a1d2e3f-4b5c-4d6e-9f70-8a9b0c1d2e3f';
const registry = { name: '阿卜杜·买买提', residentId: '11010519491231002X', schoolId: SCHOOL, grade: 'J2', classId: CLASS };

describe('key fields', () => {
  it('are name, resident ID, school, grade and class', () => {
    expect(KEY_FIELDS).toEqual(['name', 'residentId', 'schoolId', 'grade', 'classId']);
  });

  it('do not differ when only spacing, dot variants, case or full-width characters differ', () => {
    const submitted = {
      name: ' 阿卜杜 ・ 买买提 ',
      residentId: '１１０１０５ 19491231002x',
      schoolId: ` ${SCHOOL.toUpperCase()} `,
      grade: 'j2',
      classId: CLASS,
    };
    expect(diffKeyFields(submitted, registry)).toEqual([]);
    expect(keyFieldsChanged(registry, submitted)).toBe(false);
  });

  it('list each differing field with both normalised values, in KEY_FIELDS order', () => {
    expect(diffKeyFields({ ...registry, classId: 'other', name: '阿卜杜•买买江' }, registry)).toEqual([
      { field: 'name', submitted: '阿卜杜·买买江', registry: '阿卜杜·买买提' },
      { field: 'classId', submitted: 'other', registry: CLASS },
    ]);
  });

  it('treat an absent or blank value as null, different from a present one', () => {
    expect(diffKeyFields({ ...registry, grade: '  ' }, { ...registry, grade: null })).toEqual([]);
    expect(diffKeyFields(registry, { ...registry, classId: undefined })).toEqual([
      { field: 'classId', submitted: CLASS, registry: null },
    ]);
  });

  it('can be read from a profile', () => {
    const profile = {
      personal: { name: registry.name, residentId: registry.residentId, phone: '13812345678' },
      school: { schoolId: SCHOOL, grade: 'J2', classId: CLASS },
    };
    expect(keyFieldsOf(profile)).toEqual(registry);
    expect(keyFieldsChanged(keyFieldsOf(profile), { ...registry, grade: 'J3' })).toBe(true);
  });
});
