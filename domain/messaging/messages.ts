/**
 * What each notification kind says, per channel: the template fields (shaped
 * by ./fields.ts for the official-account template message and the
 * mini-program subscribe message alike) and the SMS text parameters.
 *
 * Four message templates (template groups) cover every kind; their ids come
 * from config (WECHAT_TEMPLATE_* / WECHAT_SUBSCRIBE_* / TENCENT_SMS_TEMPLATE_*).
 * The keys below are the keys of the templates to pick in the WeChat
 * back-offices (category templates: 待审核提醒, 审核结果通知, 信息确认提醒,
 * 班级通知); a template with other keys needs its key names changed here.
 */
import { formatCalendarDate, type FieldValue } from './fields';

export const MESSAGE_KINDS = [
  'review.waiting',
  'review.digest',
  'review.approved',
  'review.returned',
  'review.disputed',
  'reconfirm.required',
  'reconfirm.reminder',
  'notice.published',
  'notice.reminder',
  'account.security',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const TEMPLATE_GROUPS = ['review_digest', 'review_result', 'reconfirm', 'notice', 'account_security'] as const;
export type TemplateGroup = (typeof TEMPLATE_GROUPS)[number];

/** The SMS of a notification: template and parameters ({1}, {2} in this order). */
export type NotificationSms =
  | { template: 'review_digest'; params: { count: number } }
  | { template: 'review_approved'; params: { student: string; cardNumber: string } }
  | { template: 'review_returned'; params: { student: string; reason: string } }
  | { template: 'reconfirm'; params: { student: string; deadline: string } }
  | { template: 'notice'; params: { type: string; title: string } }
  | { template: 'account_security'; params: { event: string } };

/**
 * Account security events (issue 12): each is announced on two rows, one per
 * `via`: WeChat (subscribe or template message, if the account has WeChat
 * bound) and SMS (to the account's phone, or to the OLD phone the row names).
 */
export const SECURITY_EVENTS = {
  password_changed: '登录密码已修改',
  password_reset: '登录密码已重置',
  phone_changed: '绑定手机号已更换',
  recovery_filed: '有人申请人工找回账号',
  recovery_approved: '人工找回申请已核实',
  recovery_completed: '账号已通过人工找回重置',
} as const;
export type SecurityEvent = keyof typeof SECURITY_EVENTS;
export type SecurityVia = 'wechat' | 'sms';

export interface MessageContent {
  group: TemplateGroup;
  /** The channels to try, in order, when not the recipient role's usual route (security notices: one row per channel family). */
  route?: readonly ('template' | 'subscribe' | 'sms')[];
  /** Raw values per template key; formatMessageData shapes them per channel. */
  fields: Record<string, FieldValue>;
  sms: NotificationSms;
}

/** Mini-program pages the messages open (also routes of the H5 build). */
export const REVIEW_LIST_PAGE = 'pages/review/index';
export function reviewDetailPage(versionId: string): string {
  return `pages/review/detail?id=${versionId}`;
}
export const NOTICE_LIST_PAGE = 'pages/notices/index';
export function noticeDetailPage(noticeId: string): string {
  return `pages/notices/detail?id=${noticeId}`;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' && v.trim() !== '' ? v : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

/** SMS parameters are cut like a thing field (providers limit variable lengths too). */
function short(value: string, max = 20): string {
  const list = Array.from(value.replace(/[\r\n\t]+/g, ' ').trim());
  return list.length <= max ? list.join('') : `${list.slice(0, max - 1).join('')}…`;
}

function deadlineText(v: unknown): string {
  const s = str(v);
  return s ? formatCalendarDate(s) : '';
}

/**
 * The content of a notification of `kind` with its row data, sent at `at`;
 * undefined for a kind that is not sent as a message. review.waiting is sent only when it opens
 * its teacher's digest window (server/services/messaging/digest.ts): as a digest of one.
 */
export function messageContent(kind: string, data: Record<string, unknown>, at: Date): MessageContent | undefined {
  const student = str(data.studentNameMasked, '学生');
  switch (kind) {
    case 'review.waiting':
    case 'review.digest': {
      const count = kind === 'review.waiting' ? 1 : Math.max(1, num(data.count));
      return {
        group: 'review_digest',
        fields: { thing1: `${count}份学生认证资料待审核`, number2: count, time3: at },
        sms: { template: 'review_digest', params: { count } },
      };
    }
    case 'review.approved': {
      const cardNumber = str(data.cardNumber);
      return {
        group: 'review_result',
        fields: { name1: student, phrase2: '已通过', thing3: cardNumber ? `卡号${cardNumber}` : '学生身份认证已通过', time4: at },
        sms: { template: 'review_approved', params: { student, cardNumber } },
      };
    }
    case 'review.returned': {
      const reason = str(data.reason, '请查看退回原因');
      return {
        group: 'review_result',
        fields: { name1: student, phrase2: '已退回', thing3: reason, time4: at },
        sms: { template: 'review_returned', params: { student, reason: short(reason) } },
      };
    }
    case 'review.disputed': {
      // 身份申诉, to the family holding the card: filed (someone else claims the child), kept, transferred (revoked).
      const phase = str(data.phase, 'filed');
      const note =
        phase === 'kept'
          ? '申诉已处理，教育卡继续有效'
          : phase === 'transferred'
            ? '经学校核实，教育卡已撤销'
            : '有他人申领该学生的教育卡，如非本人请联系学校';
      return {
        group: 'review_result',
        fields: { name1: student, phrase2: '身份申诉', thing3: note, time4: at },
        sms: {
          template: 'notice',
          params: { type: '身份申诉', title: short(`${student}：${phase === 'kept' ? '教育卡继续有效' : phase === 'transferred' ? '教育卡已撤销' : '有他人申领教育卡'}`) },
        },
      };
    }
    case 'reconfirm.required':
    case 'reconfirm.reminder': {
      const deadline = deadlineText(data.deadline);
      const days = num(data.daysLeft);
      const note = kind === 'reconfirm.reminder' && days > 0 ? `还剩${days}天，请尽快确认` : '请确认学校班级信息';
      return {
        group: 'reconfirm',
        fields: { name1: student, thing2: str(data.semesterName, '新学期'), time3: deadline || at, thing4: note },
        sms: { template: 'reconfirm', params: { student, deadline } },
      };
    }
    case 'notice.published':
    case 'notice.reminder': {
      const type = str(data.type, '通知');
      const title = str(data.title, '班级通知');
      const dueDate = str(data.dueDate);
      const reminder = kind === 'notice.reminder';
      const note = reminder ? '您还未查看，请及时阅读' : data.requiresConfirmation === true ? '请阅读后点击确认' : str(data.classNames, '请及时查看');
      return {
        group: 'notice',
        fields: { thing1: title, phrase2: type, thing3: note, time4: dueDate ? formatCalendarDate(dueDate) : at },
        sms: { template: 'notice', params: { type: reminder ? `${type}提醒` : type, title: short(title) } },
      };
    }
    case 'account.security': {
      const event = (SECURITY_EVENTS as Record<string, string>)[str(data.event)] ?? '账号安全信息有变动';
      return {
        group: 'account_security',
        route: data.via === 'sms' ? ['sms'] : ['subscribe', 'template'],
        fields: { thing1: event, time2: at, thing3: '如非本人操作，请立即登录小程序处理' },
        sms: { template: 'account_security', params: { event } },
      };
    }
    default:
      return undefined;
  }
}
