/**
 * Class labels as schools write them in spreadsheets: 三年级2班, 初一(3)班,
 * 初一（3）班, 七年级3班, 高二03班, 大班1班, 三(2)班 …, turned into the grade code
 * of domain/profile (P1…P6, J1…J3, S1…S3, K1…K3) and the class name as the
 * registry writes it: '<n>班' with half-width digits and no leading zero.
 *
 * Accepted grade spellings (after full-width → half-width):
 * - kindergarten: 小班 / 中班 / 大班, also with 幼儿园 in front;
 * - primary: 一年级 … 六年级 (or 1年级 … 6年级), also with 小学 in front;
 *   a bare 一 … 六 only when the class number is in brackets: 三(2)班;
 * - junior secondary: 初一 … 初三, 七年级 … 九年级, 初1 … 初3, 7年级 … 9年级,
 *   also 初一年级 and 初中一年级 … 初中三年级;
 * - senior secondary: 高一 … 高三, 高1 … 高3, also 高一年级 and 高中一年级 … 高中三年级.
 * The class number is 1–99, in Arabic (half- or full-width, leading zeros
 * allowed) or Chinese numerals (二班, 十二班), optionally in brackets.
 *
 * Pure: no I/O, no Node APIs.
 */
import { GRADES, GRADE_LABELS, type Grade } from '../../../domain/profile/schemas';
import { removeZeroWidth, toHalfWidth } from '../../../domain/text/normalize';

export interface ClassLabel {
  grade: Grade;
  /** '<n>班', e.g. '3班'. */
  name: string;
}

export type ClassLabelResult = { ok: true; value: ClassLabel } | { ok: false; reason: string };

export const MAX_CLASS_NUMBER = 99;

/** What a list of classes in one cell may be separated by. */
export const CLASS_LIST_SEPARATORS = /[;；,，、\s]+/;

const CN_DIGITS = ['一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;

function gradeAliases(): Array<[string, Grade]> {
  const pairs: Array<[string, Grade]> = [];
  const add = (grade: Grade, ...aliases: string[]) => aliases.forEach((alias) => pairs.push([alias, grade]));
  (['K1', 'K2', 'K3'] as const).forEach((grade, i) => {
    const short = ['小班', '中班', '大班'][i]!;
    add(grade, short, `幼儿园${short}`);
  });
  (['P1', 'P2', 'P3', 'P4', 'P5', 'P6'] as const).forEach((grade, i) => {
    const cn = CN_DIGITS[i]!;
    add(grade, `${cn}年级`, `${i + 1}年级`, `小学${cn}年级`, `小学${i + 1}年级`);
  });
  (['J1', 'J2', 'J3'] as const).forEach((grade, i) => {
    const cn = CN_DIGITS[i]!;
    add(grade, `初${cn}`, `初${i + 1}`, `初${cn}年级`, `${CN_DIGITS[i + 6]!}年级`, `${i + 7}年级`, `初中${cn}年级`, `初中${i + 1}年级`);
  });
  (['S1', 'S2', 'S3'] as const).forEach((grade, i) => {
    const cn = CN_DIGITS[i]!;
    add(grade, `高${cn}`, `高${i + 1}`, `高${cn}年级`, `高中${cn}年级`, `高中${i + 1}年级`);
  });
  // Longest first, so 初中一年级 wins over a shorter prefix.
  return pairs.sort((a, b) => b[0].length - a[0].length);
}

const GRADE_ALIASES = gradeAliases();
/** 三(2)班: a bare Chinese numeral 一–六 as a primary grade, only before a bracketed number. */
const BARE_PRIMARY: Readonly<Record<string, Grade>> = { 一: 'P1', 二: 'P2', 三: 'P3', 四: 'P4', 五: 'P5', 六: 'P6' };

const EXAMPLES = '请写成"三年级2班"、"初一(3)班"或"高二3班"';

/** Half-width, no zero-width characters, no whitespace. */
export function normalizeClassLabel(input: string): string {
  return removeZeroWidth(toHalfWidth(input)).replace(/\s+/g, '');
}

/** 1–99 from Arabic digits or Chinese numerals (三, 十, 十二, 二十, 二十三); null otherwise. */
function classNumber(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^([一二三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(text);
  if (!m || text === '') return null;
  const [, tens, ten, units] = m;
  const value = (d: string | undefined) => (d ? CN_DIGITS.indexOf(d as (typeof CN_DIGITS)[number]) + 1 : 0);
  if (!ten) return tens && !units ? value(tens) : null;
  return (tens ? value(tens) : 1) * 10 + value(units);
}

/** The class part after the grade: 2班, (3)班, 03班, 二班. */
function parseClassPart(rest: string, label: string): { ok: true; name: string } | { ok: false; reason: string } {
  if (rest === '') return { ok: false, reason: `"${label}"缺少班号，${EXAMPLES}` };
  const m = /^(\()?([0-9一二三四五六七八九十]+)(\))?班$/.exec(rest);
  if (!m || Boolean(m[1]) !== Boolean(m[3])) return { ok: false, reason: `无法识别班级"${label}"，${EXAMPLES}` };
  const n = classNumber(m[2]!);
  if (n === null || n < 1 || n > MAX_CLASS_NUMBER) {
    return { ok: false, reason: `"${label}"的班号应为 1–${MAX_CLASS_NUMBER}` };
  }
  return { ok: true, name: `${n}班` };
}

/** Parses one class label; the reason of a failure is a Chinese message for the person who fixes the file. */
export function parseClassLabel(input: string): ClassLabelResult {
  const label = normalizeClassLabel(input);
  if (label === '') return { ok: false, reason: '班级不能为空' };
  const alias = GRADE_ALIASES.find(([prefix]) => label.startsWith(prefix));
  if (alias) {
    const part = parseClassPart(label.slice(alias[0].length), label);
    return part.ok ? { ok: true, value: { grade: alias[1], name: part.name } } : part;
  }
  const bare = BARE_PRIMARY[label[0] ?? ''];
  if (bare && label[1] === '(') {
    const part = parseClassPart(label.slice(1), label);
    return part.ok ? { ok: true, value: { grade: bare, name: part.name } } : part;
  }
  if (/^\(?[0-9一二三四五六七八九十]+\)?班$/.test(label)) return { ok: false, reason: `"${label}"缺少年级，${EXAMPLES}` };
  return { ok: false, reason: `无法识别"${label}"的年级，${EXAMPLES}` };
}

export type GradeResult = { ok: true; value: Grade } | { ok: false; reason: string };
export type ClassNameResult = { ok: true; value: string } | { ok: false; reason: string };

const GRADE_BY_ALIAS: ReadonlyMap<string, Grade> = new Map(GRADE_ALIASES);
const GRADE_EXAMPLES = '请写成"三年级"、"初一"、"七年级"、"高二"或"小班"';

/**
 * A grade on its own, as a registry column writes it: any grade spelling of the
 * module comment (三年级, 初一, 七年级, 高二, 小班 …) or a grade code (P3, J1 …).
 */
export function parseGradeLabel(input: string): GradeResult {
  const label = normalizeClassLabel(input);
  if (label === '') return { ok: false, reason: '年级不能为空' };
  const grade = GRADE_BY_ALIAS.get(label) ?? (GRADES as readonly string[]).find((code) => code === label.toUpperCase());
  return grade ? { ok: true, value: grade as Grade } : { ok: false, reason: `无法识别年级"${label}"，${GRADE_EXAMPLES}` };
}

/**
 * A class on its own, as a registry column writes it: 2班, (2)班, 02班, 二班,
 * or just 2 / (2) / 02; the result is '<n>班'.
 */
export function parseClassName(input: string): ClassNameResult {
  const label = normalizeClassLabel(input);
  if (label === '') return { ok: false, reason: '班级不能为空' };
  const part = parseClassPart(label.endsWith('班') ? label : `${label}班`, label);
  return part.ok ? { ok: true, value: part.name } : { ok: false, reason: part.reason.replace(EXAMPLES, '请写成"2班"、"(2)班"或"二班"') };
}

/**
 * Splits a cell listing several classes. A piece that is only a grade joins the
 * next piece ("三年级 2班" is one class); a piece that is only a class number
 * takes the grade of the piece before it ("三年级2班、3班" is 三年级2班 and 三年级3班).
 * Duplicates are kept once, in first-seen order.
 */
export function parseClassList(cell: string): { labels: ClassLabel[]; reasons: string[] } {
  const pieces = toHalfWidth(removeZeroWidth(cell))
    .split(CLASS_LIST_SEPARATORS)
    .filter((piece) => piece !== '');
  const labels: ClassLabel[] = [];
  const reasons: string[] = [];
  let lastGrade: Grade | null = null;
  for (let i = 0; i < pieces.length; i += 1) {
    let piece = pieces[i]!;
    const next = pieces[i + 1];
    if (next !== undefined && GRADE_ALIASES.some(([alias]) => alias === piece) && /^\(?[0-9一二三四五六七八九十]+\)?班$/.test(next)) {
      piece += next;
      i += 1;
    }
    let result = parseClassLabel(piece);
    if (!result.ok && lastGrade && /^\(?[0-9一二三四五六七八九十]+\)?班$/.test(piece)) {
      const part = parseClassPart(piece, piece);
      result = part.ok ? { ok: true, value: { grade: lastGrade, name: part.name } } : part;
    }
    if (!result.ok) {
      reasons.push(result.reason);
      continue;
    }
    lastGrade = result.value.grade;
    if (!labels.some((l) => sameClass(l, result.value))) labels.push(result.value);
  }
  return { labels, reasons };
}

export function sameClass(a: ClassLabel, b: ClassLabel): boolean {
  return a.grade === b.grade && a.name === b.name;
}

/** A stable key within one school: 'P3/2班'. */
export function classKey(label: ClassLabel): string {
  return `${label.grade}/${label.name}`;
}

/** How people read it: 三年级2班, 初一3班, 幼儿园大班1班. */
export function formatClassLabel(label: ClassLabel): string {
  return `${GRADE_LABELS[label.grade]}${label.name}`;
}
