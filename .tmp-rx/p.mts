import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../server/db/client';
const d = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/educard_test', pgliteDataDir: '' });
const r = await d.db.execute(sql`select * from unnest(${sql.param(['a','b',"c'\"{},"])}::text[], ${sql.param(['2015-01-02', null, '2016-02-03'])}::date[]) as t(x, y)`);
console.log(rowsOf(r));
await d.close();
