/**
 * 我的数据 (a copy of my data, PIPL art. 45): everything EduCard holds about
 * the signed-in family, in one JSON document: the account, what it agreed to,
 * each student's latest data as submitted (ID numbers and phones masked, as
 * everywhere in the API: the copy is shown on a phone screen and downloaded
 * to devices we do not control), review history with the reasons, consents,
 * communication card and orders, notices received, messages sent, sign-ins
 * and the account's audit trail. Every export is audited
 * (account.data_exported). The same categories are what the cancellation
 * erases (account-erasure.ts).
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { DataExport } from '../../../domain/api/account-data';
import { maskPhone } from '../../../domain/masking';
import type { AppContext } from '../../context';
import {
  accountAgreements,
  auditLog,
  commCardBindings,
  guardianConsents,
  noticeRecipients,
  notices,
  notifications,
  orders,
  profileVersions,
  sessions,
  students,
} from '../../db/schema';
import { cardStatus } from '../ecard/ecard';
import { openVersionContent, presentMaskedProfile, schoolClassNames } from '../profiles/profile-content';
import { loadAccount, phoneOf } from './account-view';
import { writeAccountAudit } from './audit';
import type { RequestMeta } from './request-meta';
import { reviewStateLabel } from '../../../domain/review/state-machine';

const COMM_CARD_PHONE_CONTEXT = 'comm_card_bindings.phone';
/** The newest rows of the long lists (messages, sign-ins, activity): enough to see what happens, bounded in size. */
const LIST_LIMIT = 200;

/** 10.1.*.* / 2001:db8:*: an address is personal data too, its network part is enough to recognise a sign-in. */
function maskIp(ip: string | null): string | null {
  if (!ip) return null;
  if (ip.includes('.')) return ip.split('.').slice(0, 2).concat(['*', '*']).join('.');
  return `${ip.split(':').slice(0, 2).join(':')}:*`;
}

export async function exportMyData(app: AppContext, accountId: string, meta: RequestMeta): Promise<DataExport> {
  const account = await loadAccount(app.db, accountId);
  const phone = phoneOf(app, account);
  const agreements = await app.db.select().from(accountAgreements).where(eq(accountAgreements.accountId, accountId)).orderBy(asc(accountAgreements.agreedAt));
  const studentRows = await app.db.select().from(students).where(eq(students.familyAccountId, accountId)).orderBy(asc(students.createdAt));
  const studentIds = studentRows.map((s) => s.id);

  const versions = studentIds.length
    ? await app.db.select().from(profileVersions).where(inArray(profileVersions.studentId, studentIds)).orderBy(asc(profileVersions.version))
    : [];
  const consents = studentIds.length ? await app.db.select().from(guardianConsents).where(inArray(guardianConsents.studentId, studentIds)) : [];
  const bindings = studentIds.length ? await app.db.select().from(commCardBindings).where(inArray(commCardBindings.studentId, studentIds)) : [];
  const orderRows = studentIds.length ? await app.db.select().from(orders).where(inArray(orders.studentId, studentIds)).orderBy(desc(orders.createdAt)) : [];

  const exportedStudents: DataExport['students'] = [];
  for (const student of studentRows) {
    const own = versions.filter((v) => v.studentId === student.id);
    const latest = own.find((v) => v.id === student.currentVersionId) ?? own[own.length - 1];
    let profile: DataExport['students'][number]['profile'] = null;
    if (latest) {
      const content = openVersionContent(app.pii, latest);
      const masked = presentMaskedProfile(content, await schoolClassNames(app.db, latest.schoolId, latest.classId));
      profile = {
        name: masked.personal.name,
        residentIdMasked: masked.personal.residentIdMasked,
        phoneMasked: masked.personal.phoneMasked,
        emailMasked: masked.personal.emailMasked,
        schoolName: masked.school.schoolName,
        gradeLabel: masked.school.gradeLabel,
        className: masked.school.className,
        guardians: masked.guardians.map((g) => ({ name: g.name, relationLabel: g.relationLabel, residentIdMasked: g.residentIdMasked, phoneMasked: g.phoneMasked, address: g.address ?? null })),
      };
    }
    const binding = bindings.find((b) => b.studentId === student.id);
    exportedStudents.push({
      id: student.id,
      status: student.status,
      statusLabel: reviewStateLabel(student.status),
      cardNumber: student.cardNumber,
      cardStatus: cardStatus(student),
      profile,
      submissions: own.map((v) => ({ version: v.version, status: v.status, submittedAt: v.submittedAt.toISOString(), reason: v.reviewReason ?? null })),
      consents: consents
        .filter((c) => c.studentId === student.id)
        .map((c) => ({ policyVersion: c.policyVersion, agreedAt: c.agreedAt.toISOString(), guardianIndex: c.guardianIndex })),
      commCard: binding ? { phoneMasked: maskPhone(app.pii.decrypt(binding.phoneCipher, COMM_CARD_PHONE_CONTEXT)), boundAt: binding.boundAt.toISOString() } : null,
      orders: orderRows
        .filter((o) => o.studentId === student.id)
        .map((o) => ({ outTradeNo: o.outTradeNo, description: o.description, amountFen: o.amountFen, status: o.status, createdAt: o.createdAt.toISOString() })),
    });
  }

  const received = await app.db
    .select({ title: notices.title, type: notices.type, receivedAt: noticeRecipients.createdAt, readAt: noticeRecipients.readAt, confirmedAt: noticeRecipients.confirmedAt })
    .from(noticeRecipients)
    .innerJoin(notices, eq(notices.id, noticeRecipients.noticeId))
    .where(eq(noticeRecipients.accountId, accountId))
    .orderBy(desc(noticeRecipients.createdAt))
    .limit(LIST_LIMIT);
  const messages = await app.db
    .select({ kind: notifications.kind, createdAt: notifications.createdAt })
    .from(notifications)
    .where(eq(notifications.accountId, accountId))
    .orderBy(desc(notifications.createdAt))
    .limit(LIST_LIMIT);
  const signIns = await app.db
    .select({ channel: sessions.channel, createdAt: sessions.createdAt, ip: sessions.ip })
    .from(sessions)
    .where(eq(sessions.accountId, accountId))
    .orderBy(desc(sessions.createdAt))
    .limit(LIST_LIMIT);
  const activity = await app.db
    .select({ action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.actorAccountId, accountId)))
    .orderBy(desc(auditLog.at))
    .limit(LIST_LIMIT);

  await writeAccountAudit(app.db, meta, { action: 'account.data_exported', account: { id: account.id, role: account.role }, detail: { students: studentRows.length } });

  return {
    generatedAt: new Date().toISOString(),
    notice: '身份证号和手机号已按规定部分隐藏。如需完整副本，请联系客服，核实身份后提供。',
    account: {
      id: account.id,
      role: account.role,
      username: account.username,
      phoneMasked: phone ? maskPhone(phone) : null,
      wechatBound: Boolean(account.wechatMpOpenid || account.wechatOaOpenid),
      createdAt: account.createdAt.toISOString(),
    },
    agreements: agreements.map((a) => ({ document: a.document, version: a.version, agreedAt: a.agreedAt.toISOString(), channel: a.channel })),
    students: exportedStudents,
    notices: received.map((n) => ({ title: n.title, type: n.type, receivedAt: n.receivedAt.toISOString(), readAt: n.readAt?.toISOString() ?? null, confirmedAt: n.confirmedAt?.toISOString() ?? null })),
    messages: messages.map((m) => ({ kind: m.kind, createdAt: m.createdAt.toISOString() })),
    signIns: signIns.map((s) => ({ channel: s.channel, createdAt: s.createdAt.toISOString(), ipMasked: maskIp(s.ip) })),
    activity: activity.map((a) => ({ action: a.action, at: a.at.toISOString() })),
  };
}
