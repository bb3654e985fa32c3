import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext } from '@playwright/test';
import { CHILDREN_RULES_VERSION, PRIVACY_POLICY_VERSION } from '../../domain/api/auth';
import { birthOf, csv, digits, json, mobile, pick, randomName, residentIdOfAge, runTool, sendAndReadCode, sexOf } from './helpers';

/**
 * Test data made the way operators and families make it: the school's teachers
 * file (tools/teachers-import.ts: school, classes, head teacher), the registry
 * file (tools/registry-import.ts), family accounts registered with SMS codes
 * from the development inbox that submit profiles through the API, and the
 * teacher's account activated by SMS.
 */

export interface School {
  code: string;
  name: string;
}

export interface Child {
  name: string;
  residentId: string;
  /**
   * 监护人1手机号 of the child's registry row (null: the row names none). A family registered with this phone
   * is the guardian the registry knows: its submission is approved at once; any other account goes to review.
   */
  guardianPhone: string | null;
}

export interface RegistryRow {
  child: Child;
  /** 三年级 class name, e.g. '2班'. */
  className: string;
}

export interface ImportedTeacher {
  name: string;
  phone: string;
}

export interface Session {
  token: string;
  accountId: string;
}

/** A student as GET /api/students/:id shows it to the family (the fields the tests read). */
export interface StudentDetail {
  status: string;
  card: { number: string } | null;
}

export function newSchool(prefix = '南京市鼓楼区实验小学'): School {
  return { code: `7${digits(9)}`, name: `${prefix}${digits(5)}` };
}

/** A child of 9 (under 14: the guardian's consent is needed), with an ID of the province (GB/T 2260 code) and a registry guardian phone. */
export function newChild(province?: string): Child {
  return { name: randomName(), residentId: residentIdOfAge(9, province), guardianPhone: mobile() };
}

/** Imports a head teacher of 三年级<className> (who also teaches it) and the registry rows, all of grade 三年级. */
export async function importSchool(school: School, headOf: string, rows: RegistryRow[]): Promise<ImportedTeacher> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'educard-e2e-'));
  const teacher = { name: randomName(), phone: mobile() };
  try {
    const teachersFile = path.join(dir, 'teachers.csv');
    fs.writeFileSync(
      teachersFile,
      csv([
        ['姓名', '手机号', '身份证号', '学校标识码', '学校名称', '任教班级', '班主任班级'],
        [teacher.name, teacher.phone, residentIdOfAge(38), school.code, school.name, `三年级${headOf}`, `三年级${headOf}`],
      ]),
    );
    await runTool('tools/teachers-import.ts', [teachersFile]);
    const registryFile = path.join(dir, 'registry.csv');
    fs.writeFileSync(
      registryFile,
      csv([
        ['学籍号', '姓名', '身份证号', '性别', '出生日期', '学校标识码', '学校名称', '年级', '班级', '学籍状态', '监护人1姓名', '监护人1手机号'],
        ...rows.map(({ child, className }) => [
          `G${child.residentId}`,
          child.name,
          child.residentId,
          sexOf(child.residentId),
          birthOf(child.residentId),
          school.code,
          school.name,
          '三年级',
          className,
          '在籍',
          child.guardianPhone ? randomName() : '',
          child.guardianPhone ?? '',
        ]),
      ]),
    );
    await runTool('tools/registry-import.ts', [registryFile]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return teacher;
}

/** The imported teacher activates the account with an SMS code; the session and the credentials chosen (to sign in with later). */
export async function activateTeacher(api: APIRequestContext, teacher: ImportedTeacher): Promise<Session & { username: string; password: string }> {
  const username = `t${digits(10)}`;
  const password = `Teach-${digits(6)}b`;
  const session = await json<{ token: string; account: { id: string } }>(
    await api.post('/api/auth/teacher-activation', {
      data: {
        phone: teacher.phone,
        smsCode: await sendAndReadCode(api, teacher.phone, 'activate_teacher'),
        username,
        password,
        channel: 'h5',
      },
    }),
    200,
  );
  return { token: session.token, accountId: session.account.id, username, password };
}

/** A parent registers (SMS code from the dev inbox), with `phone` (a child's registry guardian phone) or a new one. */
export async function registerFamily(api: APIRequestContext, phone: string = mobile()): Promise<Session & { phone: string; username: string; password: string }> {
  const username = `pa${digits(10)}`;
  const password = `Card-${digits(6)}a`;
  const session = await json<{ token: string; account: { id: string } }>(
    await api.post('/api/auth/register', {
      data: {
        identity: 'parent',
        phone,
        smsCode: await sendAndReadCode(api, phone, 'register'),
        username,
        password,
        agreement: { privacyPolicyVersion: PRIVACY_POLICY_VERSION, childrenRulesVersion: CHILDREN_RULES_VERSION, agreed: true },
        channel: 'h5',
      },
    }),
    201,
  );
  return { token: session.token, accountId: session.account.id, phone, username, password };
}

/** The family adds the child and submits the profile with the class it picks (三年级<className>). */
export async function submitChild(
  api: APIRequestContext,
  family: Session & { phone: string },
  school: School,
  child: Child,
  className: string,
): Promise<{ studentId: string; versionId: string }> {
  const auth = { Authorization: `Bearer ${family.token}` };
  const schools = await json<{ items: Array<{ id: string; code: string }> }>(await api.get(`/api/schools?q=${school.code}`, { headers: auth }), 200);
  const schoolId = schools.items.find((s) => s.code === school.code)!.id;
  const classes = await json<{ items: Array<{ id: string; name: string }> }>(await api.get(`/api/schools/${schoolId}/classes?grade=P3`, { headers: auth }), 200);
  const classId = classes.items.find((c) => c.name === className)!.id;
  const created = await json<{ id: string }>(await api.post('/api/students', { headers: auth, data: {} }), 201);
  const submitted = await json<{ versionId: string }>(
    await api.post(`/api/students/${created.id}/submissions`, {
      headers: auth,
      data: {
        personal: { name: child.name, residentId: child.residentId },
        school: { schoolId, grade: 'P3', classId },
        guardians: [{ name: randomName(), relation: pick(['mother', 'father'] as const), residentId: residentIdOfAge(38), phone: family.phone, address: '江苏省南京市鼓楼区中山路 1 号' }],
        consent: { agreed: true, policyVersion: PRIVACY_POLICY_VERSION, guardianIndex: 0 },
      },
    }),
    201,
  );
  return { studentId: created.id, versionId: submitted.versionId };
}

/** Waits until the student reaches the status (e.g. approved by the registry match, within seconds); the student as then read. */
export async function waitForStatus(api: APIRequestContext, family: Session, studentId: string, status: string): Promise<StudentDetail> {
  let student: StudentDetail | undefined;
  await expect
    .poll(
      async () => {
        student = await json<StudentDetail>(await api.get(`/api/students/${studentId}`, { headers: { Authorization: `Bearer ${family.token}` } }), 200);
        return student.status;
      },
      { timeout: 20_000, message: `student ${studentId} reaches ${status}` },
    )
    .toBe(status);
  return student!;
}
