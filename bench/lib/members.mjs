// The simulated corp of the sync benchmark and its member rows (valid MemberRow plain objects).

export const SYNC_CORP = {
  corpId: 'wwbenchsync000001',
  corpSecret: 'bench-sync-corp-secret-0123456789',
  callbackToken: 'BenchSyncCallbackToken01',
  encodingAESKey: 'QmVuY2hTeW5jRW5jb2RpbmdBRVNLZXkwMTIzNDU2Nzg',
};

/** Departments 1 (root) … 9, for the simulator. */
export const SYNC_DEPARTMENTS = [
  { id: 1, name: '基准测试企业', parentId: 0, order: 0 },
  ...Array.from({ length: 8 }, (_, i) => ({ id: i + 2, name: `部门${i + 2}`, parentId: 1, order: 0 })),
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];

/** `count` members: unique userids, mobiles and e-mails, Chinese names, spread over departments 2–9. */
export function makeMembers(count) {
  return Array.from({ length: count }, (_, i) => ({
    userid: `user${String(i).padStart(6, '0')}`,
    name: `${SURNAMES[i % SURNAMES.length]}员工${i}`,
    mobile: `139${String(i).padStart(8, '0')}`,
    email: `user${i}@example.com`,
    departments: [2 + (i % 8)],
    position: i % 7 === 0 ? '经理' : '工程师',
    gender: i % 2 === 0 ? 'male' : 'female',
  }));
}
