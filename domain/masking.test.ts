import { maskEmail, maskName, maskPhone, maskResidentId, maskStudentNumber } from './masking';

describe('masking', () => {
  it('shows the first 6 and last 4 of a resident ID', () => {
    expect(maskResidentId('11010519491231002X')).toBe('110105********002X');
  });

  it('shows the first 3 and last 4 of a phone number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('shows the first character of a name and a star for each other code point', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('𠮷野家')).toBe('𠮷**');
    expect(maskName('阿卜杜·买买提')).toBe('阿******');
    expect(maskName('Anna Schmidt')).toBe('A***********');
  });

  it('shows the first character of an e-mail local part and the domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
  });

  it('shows the prefix, the next 6 and the last 4 of a student number', () => {
    expect(maskStudentNumber('G11010519491231002X')).toBe('G110105********002X');
  });

  it('never reveals a value too short for its pattern', () => {
    expect(maskResidentId('1234567890')).toBe('**********');
    expect(maskPhone('1234567')).toBe('*******');
    expect(maskStudentNumber('G123')).toBe('****');
    expect(maskEmail('not-an-email')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
    expect(maskName('')).toBe('');
  });
});
