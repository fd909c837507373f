// Generates sample/data/directory.json: the fictional company 星河云科技 with 30 departments and 330 members.
// Deterministic (a seeded PRNG): `node sample/data/generate.mjs` rewrites the same bytes. Every person is made up;
// mobiles are random 11-digit numbers and e-mails use the reserved example.com domain.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const SEED = 20240611;

/** mulberry32: a small, well-mixed 32-bit PRNG; good enough for test data and stable across Node versions. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];

// Common surnames, weighted roughly by frequency (the first ones appear more often), with their pinyin.
const SURNAMES = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['高', 'gao'],
  ['林', 'lin'],
  ['罗', 'luo'],
  ['郑', 'zheng'],
  ['梁', 'liang'],
  ['谢', 'xie'],
  ['宋', 'song'],
  ['唐', 'tang'],
  ['许', 'xu'],
  ['韩', 'han'],
  ['冯', 'feng'],
  ['邓', 'deng'],
  ['曹', 'cao'],
  ['彭', 'peng'],
  ['曾', 'zeng'],
  ['肖', 'xiao'],
  ['田', 'tian'],
  ['董', 'dong'],
  ['袁', 'yuan'],
  ['潘', 'pan'],
  ['于', 'yu'],
  ['蒋', 'jiang'],
  ['蔡', 'cai'],
  ['余', 'yu'],
  ['杜', 'du'],
  ['叶', 'ye'],
  ['程', 'cheng'],
  ['苏', 'su'],
  ['魏', 'wei'],
  ['吕', 'lv'],
  ['丁', 'ding'],
  ['任', 'ren'],
  ['沈', 'shen'],
  ['欧阳', 'ouyang'],
  ['司马', 'sima'],
  ['上官', 'shangguan'],
];
const MALE = [
  ['伟', 'wei'],
  ['强', 'qiang'],
  ['磊', 'lei'],
  ['军', 'jun'],
  ['洋', 'yang'],
  ['勇', 'yong'],
  ['杰', 'jie'],
  ['涛', 'tao'],
  ['明', 'ming'],
  ['超', 'chao'],
  ['刚', 'gang'],
  ['辉', 'hui'],
  ['鹏', 'peng'],
  ['宇', 'yu'],
  ['浩', 'hao'],
  ['博', 'bo'],
  ['轩', 'xuan'],
  ['俊', 'jun'],
  ['睿', 'rui'],
  ['泽', 'ze'],
  ['凯', 'kai'],
  ['健', 'jian'],
  ['斌', 'bin'],
  ['波', 'bo'],
  ['建', 'jian'],
  ['国', 'guo'],
  ['志', 'zhi'],
  ['海', 'hai'],
  ['东', 'dong'],
  ['晨', 'chen'],
  ['航', 'hang'],
  ['毅', 'yi'],
  ['峰', 'feng'],
  ['鑫', 'xin'],
  ['龙', 'long'],
  ['飞', 'fei'],
];
const FEMALE = [
  ['芳', 'fang'],
  ['娜', 'na'],
  ['敏', 'min'],
  ['静', 'jing'],
  ['丽', 'li'],
  ['艳', 'yan'],
  ['娟', 'juan'],
  ['秀', 'xiu'],
  ['霞', 'xia'],
  ['玉', 'yu'],
  ['兰', 'lan'],
  ['婷', 'ting'],
  ['雪', 'xue'],
  ['琳', 'lin'],
  ['欣', 'xin'],
  ['怡', 'yi'],
  ['颖', 'ying'],
  ['慧', 'hui'],
  ['梦', 'meng'],
  ['诗', 'shi'],
  ['晶', 'jing'],
  ['倩', 'qian'],
  ['萍', 'ping'],
  ['琪', 'qi'],
  ['璐', 'lu'],
  ['瑶', 'yao'],
  ['妍', 'yan'],
  ['悦', 'yue'],
  ['菲', 'fei'],
  ['蕾', 'lei'],
  ['薇', 'wei'],
];
const FIRST_OF_TWO = [
  ['子', 'zi'],
  ['文', 'wen'],
  ['一', 'yi'],
  ['佳', 'jia'],
  ['嘉', 'jia'],
  ['思', 'si'],
  ['雨', 'yu'],
  ['晓', 'xiao'],
  ['梓', 'zi'],
  ['安', 'an'],
  ['可', 'ke'],
  ['宁', 'ning'],
  ['天', 'tian'],
  ['新', 'xin'],
  ['永', 'yong'],
  ['春', 'chun'],
  ['家', 'jia'],
  ['志', 'zhi'],
];
// Names written with a middle dot or in Tibetan style, as HR systems export them.
const SPECIAL_NAMES = [
  { name: '阿依古丽·买买提', pinyin: 'ayiguli.maimaiti', gender: 'female' },
  { name: '买买提·艾力', pinyin: 'maimaiti.aili', gender: 'male' },
  { name: '扎西顿珠', pinyin: 'zhaxidunzhu', gender: 'male' },
];
const ENGLISH = {
  male: ['Kevin', 'Jason', 'Leo', 'Eric', 'Tony', 'Frank', 'Allen', 'Ryan', 'Owen', 'Henry'],
  female: ['Amy', 'Cindy', 'Grace', 'Lily', 'Vivian', 'Iris', 'Coco', 'Tina', 'Emma', 'Zoe'],
};

const OFFICES = {
  hq: { address: '上海市浦东新区张江高科技园区博云路2号', phone: '021-6088' },
  hangzhou: { address: '杭州市西湖区文三路90号东部软件园', phone: '0571-8792' },
  shenzhen: { address: '深圳市南山区科技园科苑路15号', phone: '0755-8663' },
  guangzhou: { address: '广州市天河区珠江新城花城大道68号', phone: '020-3821' },
  beijing: { address: '北京市朝阳区望京街10号', phone: '010-6471' },
  chengdu: { address: '成都市高新区天府大道中段1388号', phone: '028-8531' },
};

// id, name, parent, office, headcount, leader title, staff titles. Larger `order` sorts earlier among siblings.
const DEPARTMENTS = [
  [1, '星河云科技有限公司', 0, 'hq', 0],
  [2, '总经办', 1, 'hq', 5, '首席执行官', ['总经理助理', '董事会秘书', '战略分析师']],
  [3, '研发中心', 1, 'hq', 1, '首席技术官', []],
  [31, '前端开发组', 3, 'hq', 28, '前端组组长', ['前端开发工程师', '高级前端开发工程师', '前端技术专家']],
  [32, '后端开发组', 3, 'hq', 40, '后端组组长', ['后端开发工程师', '高级后端开发工程师', '架构师']],
  [33, '移动端组', 3, 'hq', 18, '移动端组组长', ['iOS开发工程师', 'Android开发工程师', '高级移动开发工程师']],
  [34, '测试组', 3, 'hq', 20, '测试经理', ['测试工程师', '测试开发工程师', '高级测试工程师']],
  [35, '运维组', 3, 'hq', 12, '运维经理', ['运维工程师', 'SRE工程师', '数据库管理员']],
  [36, '数据平台组', 3, 'hq', 16, '数据平台负责人', ['数据工程师', '数据分析师', '算法工程师']],
  [4, '产品部', 1, 'hq', 22, '产品总监', ['产品经理', '高级产品经理', '产品助理']],
  [5, '设计部', 1, 'hq', 14, '设计总监', ['UI设计师', '交互设计师', '视觉设计师']],
  [6, '市场部', 1, 'hq', 1, '市场总监', []],
  [61, '品牌组', 6, 'hq', 10, '品牌经理', ['品牌专员', '内容策划', '新媒体运营']],
  [62, '渠道组', 6, 'hq', 10, '渠道经理', ['渠道专员', '商务拓展经理', '活动策划']],
  [7, '销售部', 1, 'hq', 1, '销售副总裁', []],
  [71, '华东大区', 7, 'hq', 1, '华东大区总监', []],
  [711, '上海办事处', 71, 'hq', 18, '上海办事处经理', ['客户经理', '高级客户经理', '售前工程师']],
  [712, '杭州办事处', 71, 'hangzhou', 12, '杭州办事处经理', ['客户经理', '高级客户经理', '售前工程师']],
  [72, '华南大区', 7, 'shenzhen', 1, '华南大区总监', []],
  [721, '深圳办事处', 72, 'shenzhen', 16, '深圳办事处经理', ['客户经理', '高级客户经理', '售前工程师']],
  [722, '广州办事处', 72, 'guangzhou', 12, '广州办事处经理', ['客户经理', '高级客户经理', '销售助理']],
  [73, '华北大区', 7, 'beijing', 14, '华北大区总监', ['客户经理', '高级客户经理', '售前工程师']],
  [74, '西南大区', 7, 'chengdu', 10, '西南大区总监', ['客户经理', '高级客户经理', '销售助理']],
  [8, '客户成功部', 1, 'hq', 20, '客户成功总监', ['客户成功经理', '技术支持工程师', '实施顾问']],
  [9, '人力资源部', 1, 'hq', 10, '人力资源总监', ['招聘专员', 'HRBP', '薪酬福利专员']],
  [10, '财务部', 1, 'hq', 8, '财务总监', ['会计', '出纳', '财务分析师']],
  [11, '法务部', 1, 'hq', 4, '法务总监', ['法务专员', '合规经理']],
  [12, '行政部', 1, 'hq', 6, '行政经理', ['行政专员', '前台', 'IT支持']],
];
const ENGLISH_ALIAS_DEPARTMENTS = new Set([31, 32, 33, 34, 35, 36, 4, 5, 61, 62]);
const DESK_PHONE_DEPARTMENTS = new Set([2, 9, 10, 11, 12, 711, 712, 721, 722, 73, 74]);
/** Back-end engineers who also belong to the data platform group (two departments, two orders). */
const ALSO_IN_DATA_PLATFORM = 5;

const MOBILE_PREFIXES = [
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '177',
  '182',
  '183',
  '186',
  '187',
  '188',
  '189',
  '199',
];

const userids = new Set();
const mobiles = new Set();
const names = new Set();

function personName() {
  for (;;) {
    const [surname, surnamePinyin] = random() < 0.8 ? pick(SURNAMES.slice(0, 25)) : pick(SURNAMES);
    const gender = random() < 0.52 ? 'male' : 'female';
    const given = gender === 'male' ? MALE : FEMALE;
    const parts = random() < 0.6 ? [pick(FIRST_OF_TWO), pick(given)] : [pick(given)];
    const name = surname + parts.map((p) => p[0]).join('');
    // Real directories have namesakes, but a sample reads better without two 王伟.
    if (names.has(name)) continue;
    names.add(name);
    return { name, pinyin: surnamePinyin + parts.map((p) => p[1]).join(''), gender };
  }
}

function uniqueUserid(pinyin) {
  let userid = pinyin;
  for (let n = 2; userids.has(userid); n++) userid = `${pinyin}${n}`;
  userids.add(userid);
  return userid;
}

function mobile() {
  for (;;) {
    const value = pick(MOBILE_PREFIXES) + String(Math.floor(random() * 1e8)).padStart(8, '0');
    if (!mobiles.has(value)) {
      mobiles.add(value);
      return value;
    }
  }
}

/** Where the special names go (indexes into the member list). */
const SPECIAL_AT = [57, 168, 263];
let employeeNo = 0;
function member(department, office, position, leader) {
  const at = SPECIAL_AT.indexOf(employeeNo);
  const person = at >= 0 ? SPECIAL_NAMES[at] : personName();
  const userid = uniqueUserid(person.pinyin);
  const row = {
    userid,
    name: person.name,
    mobile: mobile(),
    email: `${userid}@xinghe.example.com`,
    departments: [department],
    position,
    gender: person.gender,
    isLeaderInDept: [leader],
  };
  if (ENGLISH_ALIAS_DEPARTMENTS.has(department) && random() < 0.3) row.alias = pick(ENGLISH[person.gender]);
  row.address = OFFICES[office].address;
  if (leader || DESK_PHONE_DEPARTMENTS.has(department)) {
    row.telephone = `${OFFICES[office].phone}${String(Math.floor(random() * 1e4)).padStart(4, '0')}`;
  }
  row.extAttrs = { 工号: `XH${String(++employeeNo).padStart(5, '0')}` };
  return row;
}

const departments = [];
const members = [];
DEPARTMENTS.forEach(([id, name, parentId, office, headcount, leaderTitle, titles], index) => {
  departments.push({ id, name, parentId, order: id === 1 ? 0 : (DEPARTMENTS.length - index) * 1000 });
  for (let i = 0; i < headcount; i++) {
    members.push(member(id, office, i === 0 ? leaderTitle : pick(titles), i === 0));
  }
});
// A few back-end engineers also work in the data platform group.
members
  .filter((m) => m.departments[0] === 32 && !m.isLeaderInDept[0])
  .slice(0, ALSO_IN_DATA_PLATFORM)
  .forEach((m) => {
    m.departments.push(36);
    m.isLeaderInDept.push(false);
  });

const file = {
  $comment:
    'Fictional directory of the sample app, generated by sample/data/generate.mjs (deterministic). ' +
    'Every person is made up; e-mails use the reserved example.com domain.',
  company: '星河云科技有限公司',
  departments,
  members,
};
// Formatted as the repository's prettier config wants it, so `npm run lint` accepts the committed file.
const target = fileURLToPath(new URL('./directory.json', import.meta.url));
const options = { ...(await prettier.resolveConfig(target)), parser: 'json' };
writeFileSync(target, await prettier.format(JSON.stringify(file), options));
console.log(`sample/data/directory.json: ${departments.length} departments, ${members.length} members`);
