import type { MemberSource } from './export-document.writer.js';
import type { SimulatedDepartment, SimulatedMember } from './simulator.types.js';

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢',
];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文婷雪琳晨宇浩然子轩欣怡梓涵思远嘉'];
const POSITIONS = [
  '工程师',
  '高级工程师',
  '产品经理',
  '设计师',
  '销售代表',
  '客户经理',
  '财务专员',
  '人事专员',
  '运营',
  '主管',
];
const MOBILE_PREFIX = ['13', '15', '17', '18', '19'];

/** Members per generated department (a 1,000,000-member corp gets 4,000 departments). */
const MEMBERS_PER_DEPARTMENT = 250;
/** Children per generated department: an 8-ary tree under the root, about five levels deep at 4,000. */
const FAN_OUT = 8;

/** 32-bit mix of (seed, index, salt): deterministic and cheap (no state kept per member). */
function mix(seed: number, index: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(salt, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The departments a generated population of `count` members lives in: ids from `firstId`, an 8-ary tree. */
export function generatedDepartments(count: number, firstId: number, root: number): SimulatedDepartment[] {
  const total = Math.max(1, Math.ceil(count / MEMBERS_PER_DEPARTMENT));
  return Array.from({ length: total }, (_, k) => ({
    id: firstId + k,
    name: `部门${firstId + k}`,
    parentId: k < FAN_OUT ? root : firstId + Math.floor(k / FAN_OUT) - 1,
    order: total - k,
  }));
}

/**
 * `count` realistic members computed from their index on demand (`generateMembers()`): userid `u0000000`…,
 * a Chinese name, a unique mobile, an e-mail for about a third, 1–3 departments, a position, a gender, now and
 * then a department leader. Nothing is stored per member, so a 1,000,000-member corp costs no memory until an
 * import needs the members as real entries (the directory then materialises them once).
 */
export class GeneratedMembers implements MemberSource {
  constructor(
    readonly size: number,
    private readonly seed: number,
    private readonly departmentIds: readonly number[],
  ) {}

  /** The userid of member `index`. */
  static userid(index: number): string {
    return `u${String(index).padStart(7, '0')}`;
  }

  /** The index of `userid` in this population (ignoring case), or undefined. */
  indexOf(userid: string): number | undefined {
    const match = /^u(\d{7,})$/i.exec(userid);
    const index = match ? Number(match[1]) : NaN;
    return Number.isSafeInteger(index) && index < this.size && GeneratedMembers.userid(index) === userid.toLowerCase()
      ? index
      : undefined;
  }

  /** Member `index` (a fresh object each call). */
  at(index: number): SimulatedMember {
    const r = (salt: number): number => mix(this.seed, index, salt);
    const userid = GeneratedMembers.userid(index);
    const given = GIVEN[r(2) % GIVEN.length] + (r(3) % 5 < 3 ? GIVEN[r(4) % GIVEN.length] : '');
    const ids = this.departmentIds;
    const departments = [ids[r(5) % ids.length]];
    const extra = r(6) % 10; // 70 % in one department, 20 % in two, 10 % in three
    for (let k = 0; k < (extra < 7 ? 0 : extra < 9 ? 1 : 2) && ids.length > departments.length; k++) {
      let id = ids[r(7 + k) % ids.length];
      while (departments.includes(id)) id = ids[(ids.indexOf(id) + 1) % ids.length];
      departments.push(id);
    }
    const member: SimulatedMember = {
      userid,
      name: SURNAMES[r(1) % SURNAMES.length] + given,
      mobile: `${MOBILE_PREFIX[r(10) % MOBILE_PREFIX.length]}${String(index).padStart(9, '0')}`,
      departments,
      position: POSITIONS[r(11) % POSITIONS.length],
      gender: r(12) % 2 === 0 ? '1' : '2',
    };
    if (r(13) % 3 === 0) member.email = `${userid}@example.com`;
    if (r(14) % 40 === 0) member.isLeaderInDept = departments.map((_, k) => k === 0);
    return member;
  }
}
