// The baseline every rows → CSV figure is compared with: what an app writes by hand without the module — a
// class-transformer instance and a full class-validator validateSync per row, then one joined string.
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { MemberRow } from 'nestjs-wecom-batch';

const HEADER = '姓名,帐号,手机号,邮箱,所在部门,职位,性别';
const GENDER = { male: '男', female: '女' };

/** The naive path: validates every row (throws if any is invalid) and returns the CSV as one Buffer. */
export function naiveCsv(input) {
  let invalid = 0;
  for (const row of input) {
    if (validateSync(plainToInstance(MemberRow, row)).length > 0) invalid++;
  }
  if (invalid > 0) throw new Error(`${invalid} rows failed validation`);
  const lines = input.map((r) =>
    [
      r.name,
      r.userid,
      r.mobile ?? '',
      r.email ?? '',
      r.departments.join(';'),
      r.position ?? '',
      GENDER[r.gender] ?? '',
    ].join(','),
  );
  return Buffer.from(`${HEADER}\n${lines.join('\n')}\n`, 'utf8');
}
