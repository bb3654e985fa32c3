import ExcelJS from 'exceljs';
const N = Number(process.argv[2] ?? 100000);
const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: '/tmp/rx/big.xlsx', useSharedStrings: true });
const ws = wb.addWorksheet('学籍');
ws.addRow(['学籍号','姓名','身份证号','性别','出生日期','学校标识码','学校名称','年级','班级','学籍状态']).commit();
for (let i=0;i<N;i++) ws.addRow(['L'+String(i).padStart(18,'0'),'张三'+i%10,'110105201501011234','男',new Date(Date.UTC(2015,0,1)),'1234567890','测试学校','三年级','2班','在籍']).commit();
await ws.commit(); await wb.commit();
console.log('ok');
