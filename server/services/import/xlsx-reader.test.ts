import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { readXlsxRows, type XlsxReadInfo } from './xlsx-reader';
import { FileReadError, type SheetRow } from './tabular';

async function xlsx(build: (workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function readAll(bytes: Buffer): Promise<{ rows: SheetRow[]; info: XlsxReadInfo }> {
  const info: XlsxReadInfo = { sheetName: null };
  const rows: SheetRow[] = [];
  for await (const row of readXlsxRows(Readable.from([bytes]), info)) rows.push(row);
  return { rows, info };
}

const HAN = '学籍测试姓名王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕';

describe('readXlsxRows', () => {
  test('Chinese text survives characters straddling the zip chunks (exceljs decodes chunk by chunk)', async () => {
    const texts = Array.from({ length: 4000 }, (_, i) => `${HAN.slice(i % 40)}${i}${HAN.slice(0, i % 7)}`);
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('名单');
      sheet.addRow(['姓名']);
      for (const text of texts) sheet.addRow([text]);
    });

    const { rows } = await readAll(bytes);

    expect(rows.slice(1).map((r) => r.cells[0])).toEqual(texts);
  });

  test('the sheet named 学籍 is read even when it is not the first; otherwise the first sheet; row numbers as Excel shows them', async () => {
    const preferred = await xlsx((workbook) => {
      workbook.addWorksheet('说明').addRow(['说明']);
      const sheet = workbook.addWorksheet('学籍');
      sheet.getCell('A1').value = '学籍号';
      sheet.getCell('A4').value = { richText: [{ text: '富' }, { text: '文本' }] };
      sheet.getCell('B4').value = { formula: '1+1', result: 2 };
    });
    const read = await readAll(preferred);
    expect(read.info.sheetName).toBe('学籍');
    expect(read.rows).toEqual([
      { rowNumber: 1, cells: ['学籍号'] },
      { rowNumber: 4, cells: ['富文本', 2] },
    ]);

    const first = await readAll(await xlsx((workbook) => {
      workbook.addWorksheet('第一页').addRow(['a']);
      workbook.addWorksheet('第二页').addRow(['b']);
    }));
    expect(first.info.sheetName).toBe('第一页');
    expect(first.rows).toEqual([{ rowNumber: 1, cells: ['a'] }]);
  });

  test('a file that is not a workbook is a FileReadError', async () => {
    await expect(readAll(Buffer.from('PK\u0003\u0004 not really a zip'))).rejects.toBeInstanceOf(FileReadError);
  });
});
