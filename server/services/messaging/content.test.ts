/** Every message kind, formatted from hostile data, passes the rules the fake WeChat enforces (47003 would mean a formatting bug). */
import { formatMessageData } from '../../../domain/messaging/fields';
import { MESSAGE_KINDS, messageContent } from '../../../domain/messaging/messages';
import { subscribeValueProblem } from '../../../tools/fake-wechat/fake-wechat-server';

describe('message content', () => {
  test('every kind, with hostile data, passes the subscribe value rules and the template 20-character rule', () => {
    const hostile = {
      count: 1234,
      studentNameMasked: '欧'.repeat(30),
      cardNumber: 'JY3226000001234X',
      reason: '原因\n'.repeat(50),
      semesterName: '2026-2027学年第二学期（含补充说明的非常长的学期名称）',
      deadline: '2026-09-30',
      daysLeft: 3,
      title: '<b>标题</b>\n'.repeat(10),
      type: '作业',
      dueDate: '2026-10-12',
      requiresConfirmation: true,
    };
    for (const kind of MESSAGE_KINDS) {
      const content = messageContent(kind, hostile, new Date())!;
      for (const [key, { value }] of Object.entries(formatMessageData(content.fields, 'subscribe'))) {
        expect([kind, key, subscribeValueProblem(key, value)]).toEqual([kind, key, undefined]);
      }
      for (const { value } of Object.values(formatMessageData(content.fields, 'template'))) {
        expect([...value].length).toBeLessThanOrEqual(20);
        expect(value).not.toMatch(/[\r\n]/);
      }
    }
    // The review.waiting that opens a digest window is sent as a digest of one.
    expect(messageContent('review.waiting', { count: 7 }, new Date())?.sms).toEqual({ template: 'review_digest', params: { count: 1 } });
    expect(messageContent('no.such.kind', {}, new Date())).toBeUndefined();
  });
});
