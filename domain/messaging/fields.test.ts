import { cut, fieldTypeOf, formatChinaTime, formatField, formatMessageData } from './fields';

describe('the message field formatter', () => {
  test('types come from the key; first and remark are dropped', () => {
    expect(fieldTypeOf('thing4')).toBe('thing');
    expect(fieldTypeOf('character_string9')).toBe('character_string');
    expect(fieldTypeOf('first')).toBeUndefined();
    expect(formatMessageData({ first: '你好', thing1: 'a', remark: '谢谢' }, 'template')).toEqual({ thing1: { value: 'a' } });
  });

  test('thing: one line, at most 20 code points, cut with an ellipsis', () => {
    const long = '关于国庆节放假及假期安全教育的重要通知（请各位家长务必仔细阅读）';
    const value = formatField('thing1', long, 'subscribe');
    expect([...value]).toHaveLength(20);
    expect(value.endsWith('…')).toBe(true);
    expect(formatField('thing1', '第一行\r\n第二行\t  第三行', 'subscribe')).toBe('第一行 第二行 第三行');
    expect(formatField('thing1', '𠮷'.repeat(25), 'template')).toBe(`${'𠮷'.repeat(19)}…`);
  });

  test('typed values follow their rule', () => {
    expect(formatField('number2', '共 3 份', 'subscribe')).toBe('3');
    expect(formatField('character_string3', '卡号 JY3226000001234X', 'subscribe')).toBe('JY3226000001234X');
    expect(formatField('phrase2', '审核已经通过了', 'subscribe')).toBe('审核已经通');
    expect(formatField('phrase2', '已通过!', 'subscribe')).toBe('已通过');
    expect(formatField('name1', '欧阳娜娜娜娜娜娜娜娜娜', 'subscribe')).toBe('欧阳娜娜娜娜娜娜娜…');
    expect(formatField('name1', 'Alexander Maximilian Smith', 'subscribe')).toHaveLength(20);
    expect(formatField('time4', new Date('2025-09-01T07:01:00Z'), 'subscribe')).toBe('2025年9月1日 15:01');
    expect(formatField('date4', new Date('2025-12-31T17:00:00Z'), 'subscribe')).toBe('2026年1月1日');
  });

  test('template messages: every field at most 20 characters (2023 rules)', () => {
    expect(formatField('character_string9', 'A'.repeat(32), 'subscribe')).toHaveLength(32);
    expect(formatField('character_string9', 'A'.repeat(32), 'template')).toHaveLength(20);
  });

  test('cut keeps short values and counts code points', () => {
    expect(cut('短', 20)).toBe('短');
    expect(formatChinaTime(new Date('2026-02-28T16:30:00Z'))).toBe('2026年3月1日 00:30');
  });
});
