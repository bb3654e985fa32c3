import ExcelJS from 'exceljs';
import fs from 'node:fs';
const t=Date.now(); let n=0; let peak=0; let sample: unknown;
const reader = new ExcelJS.stream.xlsx.WorkbookReader(fs.createReadStream('/tmp/rx/big.xlsx'), { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries:'emit' } as any);
for await (const ws of reader as any) {
  console.log('sheet', (ws as any).name, (ws as any).id);
  for await (const row of ws as any) { n++; if (n===3) sample = row.values; if (n%10000===0) peak=Math.max(peak, process.memoryUsage().rss); }
}
console.log(n, Date.now()-t, 'ms', Math.round(peak/1e6),'MB', sample);
