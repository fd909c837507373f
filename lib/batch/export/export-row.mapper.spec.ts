import { describe, expect, it } from '@jest/globals';
import { toExportedDepartment, toExportedMember } from './export-row.mapper.js';

describe('export/user member → ExportedMember (MemberRow’s vocabulary)', () => {
  it('maps every documented field, gender in MemberRow’s words', () => {
    expect(
      toExportedMember({
        userid: 'zhangsan',
        name: '张三',
        department: [1, 2],
        order: [10, 40],
        position: '产品经理',
        mobile: '13800000000',
        gender: '1',
        email: 'zhangsan@gzdev.com',
        biz_mail: 'zhangsan@qyycs2.wecom.work',
        is_leader_in_dept: [1, 0],
        direct_leader: ['lisi'],
        avatar:
          'http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0',
        thumb_avatar:
          'http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/100',
        telephone: '020-123456',
        alias: 'jackzhang',
        address: '广州市海珠区新港中路',
        open_userid: 'xxxxxx',
        main_department: 1,
        extattr: {
          attrs: [
            { type: 0, name: '文本名称', text: { value: '文本' } },
            { type: 1, name: '网页名称', web: { url: 'http://www.test.com', title: '标题' } },
          ],
        },
        status: 1,
        qr_code: 'https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=xxx',
        external_position: '产品经理',
        external_profile: { external_corp_name: '企业简称' },
      }),
    ).toEqual({
      userid: 'zhangsan',
      name: '张三',
      departments: [1, 2],
      order: [10, 40],
      position: '产品经理',
      mobile: '13800000000',
      gender: 'male',
      email: 'zhangsan@gzdev.com',
      bizMail: 'zhangsan@qyycs2.wecom.work',
      isLeaderInDept: [true, false],
      directLeader: ['lisi'],
      avatar: expect.stringMatching(/\/0$/),
      thumbAvatar: expect.stringMatching(/\/100$/),
      telephone: '020-123456',
      alias: 'jackzhang',
      address: '广州市海珠区新港中路',
      openUserid: 'xxxxxx',
      mainDepartment: 1,
      extAttrs: { 文本名称: '文本' },
      extAttrLinks: { 网页名称: { url: 'http://www.test.com', title: '标题' } },
      status: 1,
      disabled: false,
      qrCode: 'https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=xxx',
      externalPosition: '产品经理',
      externalProfile: { external_corp_name: '企业简称' },
    });
  });

  it('leaves withheld fields absent — never "" — and gender "0" (not set) unknown', () => {
    const row = toExportedMember({
      userid: 'lisi',
      name: '李四',
      department: [2],
      gender: '0',
      mobile: '',
      email: '',
      avatar: '',
      address: '',
      position: '',
      status: 2,
    });
    expect(row).toEqual({ userid: 'lisi', name: '李四', departments: [2], position: '', status: 2, disabled: true });
    for (const field of ['mobile', 'email', 'avatar', 'address', 'gender', 'bizMail', 'qrCode']) {
      expect(Object.hasOwn(row, field)).toBe(false);
    }
    expect(toExportedMember({ userid: 'w', name: 'W', department: [1], gender: 2 }).gender).toBe('female');
  });

  it('reads numbers sent as strings, and refuses a department list that is not one', () => {
    expect(toExportedMember({ userid: 'a', name: 'A', department: ['3'], main_department: '3' })).toMatchObject({
      departments: [3],
      mainDepartment: 3,
    });
    expect(() => toExportedMember({ userid: 'a', name: 'A', department: 'x' })).toThrow(/department is not an array/);
  });
});

describe('export/department element → ExportedDepartment (DepartmentRow’s vocabulary)', () => {
  it('maps parentid, order, name_en and department_leader', () => {
    expect(
      toExportedDepartment({
        id: 2,
        name: '广州研发中心',
        name_en: 'RDGZ',
        department_leader: ['zhangsan'],
        parentid: 1,
        order: 10,
      }),
    ).toEqual({ id: 2, name: '广州研发中心', nameEn: 'RDGZ', departmentLeaders: ['zhangsan'], parentId: 1, order: 10 });
  });
});
