/**
 * The demo registry (学籍库) of 示范小学: 300 made-up students with valid
 * resident ID numbers (check character, 江苏南京 area codes, birth dates that
 * fit the grade in the current school year) and G-type 学籍号 (G + the ID),
 * spread over the four demo classes, a few of them 借读. Each row names a
 * guardian (监护人1) with a phone of the 171 0000 xxxx range: the guardian
 * evidence the registry match needs for an automatic approval — a family that
 * registers with that phone and submits the row is approved at once.
 *
 * Deterministic: the same school year gives the same rows (a seeded PRNG, no
 * clock apart from the school year), so seeding twice writes nothing the
 * second time. The people do not exist; the numbers are synthetic.
 */
import { residentIdCheckChar } from '../../../domain/identity/resident-id';
import { GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import { chinaDate, daysInMonth, formatCalendarDate } from '../../../domain/time/calendar-date';

export const DEMO_SCHOOL = { code: '3201990001', name: '示范小学' } as const;

export interface DemoClass {
  grade: Grade;
  /** As the registry writes it: '2班'. */
  name: string;
}

export const DEMO_CLASSES: readonly DemoClass[] = [
  { grade: 'P3', name: '1班' },
  { grade: 'P3', name: '2班' },
  { grade: 'P3', name: '3班' },
  { grade: 'P4', name: '1班' },
];

/** The class the demo head teacher heads: 三年级2班. */
export const DEMO_HEAD_CLASS: DemoClass = DEMO_CLASSES[1]!;

export const DEMO_STUDENT_COUNT = 300;

export interface DemoStudent {
  name: string;
  residentId: string;
  /** G + resident ID. */
  studentNumber: string;
  sex: 'male' | 'female';
  birthDate: string;
  grade: Grade;
  className: string;
  /** 在籍, or 借读 for a few. */
  registryStatus: string;
  /** 监护人1 of the registry row. */
  guardianName: string;
  /** 监护人1手机号: 171 0000 plus the row's index (made up, outside the staff accounts' 170 range). */
  guardianPhone: string;
}

/** The demo guardian phone of the row at `index`. */
export function demoGuardianPhone(index: number): string {
  return `1710000${String(index).padStart(4, '0')}`;
}

/** "三年级2班" */
export function demoClassLabel(c: DemoClass): string {
  return `${GRADE_LABELS[c.grade]}${c.name}`;
}

/** Start year of the school year at `now` (it starts on 1 September, China time). */
export function schoolYearStart(now: Date = new Date()): number {
  const today = chinaDate(now);
  return today.month >= 9 ? today.year : today.year - 1;
}

/** Nanjing district codes (玄武, 秦淮, 建邺, 鼓楼, 浦口, 栖霞, 雨花台, 江宁). */
const AREAS = ['0102', '0104', '0105', '0106', '0111', '0113', '0114', '0115'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗', '欧阳'];
const GIVEN = ['子涵', '浩然', '雨桐', '梓萱', '一诺', '宇轩', '欣怡', '子墨', '诗涵', '俊杰', '思远', '佳怡', '明轩', '若汐', '嘉懿', '沐阳', '语嫣', '博文', '可馨', '天佑', '芷若', '睿', '晨', '悦', '航', '彤', '瑶', '琪', '昊', '楠'];

const GUARDIAN_GIVEN = ['建国', '丽华', '伟', '静', '海涛', '秀英', '志强', '红梅'];

/** mulberry32: a small deterministic PRNG (not for secrets). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grade number: P3 → 3. */
function gradeNumber(grade: Grade): number {
  return Number(grade.slice(1));
}

/**
 * A birth date fitting `grade` in the school year starting `year`: a child
 * starts 一年级 in the September after turning 6 (born 1 September – 31 August),
 * so 三年级 in the school year 2025 was born between 2016-09-01 and 2017-08-31.
 */
function birthDateFor(grade: Grade, year: number, random: () => number): { year: number; month: number; day: number } {
  const firstGradeYear = year - (gradeNumber(grade) - 1);
  const offset = Math.floor(random() * 365);
  let y = firstGradeYear - 7;
  let m = 9;
  let d = 1 + offset;
  while (d > daysInMonth(y, m)) {
    d -= daysInMonth(y, m);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return { year: y, month: m, day: d };
}

/** Index of the students that are 借读 (7 of 300, spread over the classes). */
function isTransient(index: number): boolean {
  return index % 47 === 5;
}

/** The demo registry for the school year at `now`; see the module comment. */
export function generateDemoRegistry(now: Date = new Date()): DemoStudent[] {
  const year = schoolYearStart(now);
  const random = prng(0x5eed0000 + year);
  const ids = new Set<string>();
  const names = new Set<string>();
  const out: DemoStudent[] = [];
  for (let i = 0; i < DEMO_STUDENT_COUNT; i += 1) {
    const klass = DEMO_CLASSES[i % DEMO_CLASSES.length]!;
    let name: string;
    do {
      name = SURNAMES[Math.floor(random() * SURNAMES.length)]! + GIVEN[Math.floor(random() * GIVEN.length)]!;
    } while (names.has(name) && names.size < SURNAMES.length * GIVEN.length);
    names.add(name);
    let residentId: string;
    let sex: 'male' | 'female';
    let birth: string;
    do {
      const date = birthDateFor(klass.grade, year, random);
      birth = formatCalendarDate(date);
      const sequence = Math.floor(random() * 1000);
      sex = sequence % 2 === 1 ? 'male' : 'female';
      const body = `32${AREAS[Math.floor(random() * AREAS.length)]!}${birth.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
      residentId = body + residentIdCheckChar(body);
    } while (ids.has(residentId));
    ids.add(residentId);
    out.push({
      name,
      residentId,
      studentNumber: `G${residentId}`,
      sex,
      birthDate: birth,
      grade: klass.grade,
      className: klass.name,
      registryStatus: isTransient(i) ? '借读' : '在籍',
      guardianName: `${name.startsWith('欧阳') ? '欧阳' : name[0]!}${GUARDIAN_GIVEN[i % GUARDIAN_GIVEN.length]!}`,
      guardianPhone: demoGuardianPhone(i),
    });
  }
  return out;
}

const CSV_HEADER = ['学籍号', '姓名', '身份证号', '性别', '出生日期', '学校标识码', '学校名称', '年级', '班级', '学籍状态', '监护人1姓名', '监护人1手机号'];

/** The registry as a CSV file (UTF-8), in the template the registry import reads. */
export function demoRegistryCsv(rows: readonly DemoStudent[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.studentNumber,
        r.name,
        r.residentId,
        r.sex === 'male' ? '男' : '女',
        r.birthDate,
        DEMO_SCHOOL.code,
        DEMO_SCHOOL.name,
        GRADE_LABELS[r.grade],
        r.className,
        r.registryStatus,
        r.guardianName,
        r.guardianPhone,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
