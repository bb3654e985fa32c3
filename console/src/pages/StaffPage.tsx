/**
 * 账号管理 (operators): school administrators and the centre's operators.
 * A new account and a reset show a one-time password once (to hand over in
 * person or read out); it must be changed at the first sign-in.
 */
import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ListConsoleSchoolsResponseSchema } from '../../../domain/api/console';
import {
  StaffAccountResponseSchema,
  StaffListResponseSchema,
  StaffPasswordResponseSchema,
  type StaffAccount,
  type StaffListResponse,
} from '../../../domain/api/console-operator';
import { api, fieldMessages, messageOf } from '../api/client';
import { ReasonModal } from '../components/ReasonModal';

type Role = 'school_admin' | 'operator';

export function StaffPage() {
  const { message, modal } = App.useApp();
  const [params, setParams] = useSearchParams();
  const role: Role = params.get('role') === 'operator' ? 'operator' : 'school_admin';
  const page = Number(params.get('page') ?? '1') || 1;
  const [data, setData] = useState<StaffListResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(false);
  const [toggling, setToggling] = useState<StaffAccount | null>(null);
  const [schoolOptions, setSchoolOptions] = useState<{ value: string; label: string }[]>([]);
  const [form] = Form.useForm();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await api.get('/api/console/staff', StaffListResponseSchema, { role, page, pageSize: 20 }));
    } catch (err) {
      message.error(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [role, page, message]);

  useEffect(() => {
    void load();
  }, [load]);

  const showPassword = (title: string, account: StaffAccount, password: string) => {
    modal.success({
      title,
      width: 480,
      content: (
        <div>
          <p>
            账号 <b>{account.username}</b>（{account.displayName}）的一次性密码：
          </p>
          <Typography.Paragraph copyable={{ text: password }} style={{ fontSize: 20, fontFamily: 'monospace' }} aria-label="一次性密码">
            {password}
          </Typography.Paragraph>
          <Typography.Text type="secondary">此密码只显示这一次，请当面交给本人或电话告知。首次登录须修改密码，并接收发到 {account.phoneMasked} 的短信验证码。</Typography.Text>
        </div>
      ),
      okText: '我已记下',
    });
  };

  const searchSchools = async (q: string) => {
    try {
      const res = await api.get('/api/console/schools', ListConsoleSchoolsResponseSchema, { q, pageSize: 20 });
      setSchoolOptions(res.items.map((s) => ({ value: s.id, label: `${s.name}（${s.code}）` })));
    } catch {
      setSchoolOptions([]);
    }
  };

  const create = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    try {
      const res = await api.post('/api/console/staff', StaffPasswordResponseSchema, { ...values, role });
      setCreating(false);
      form.resetFields();
      showPassword('账号已创建', res.account, res.oneTimePassword);
      await load();
    } catch (err) {
      const fields = fieldMessages(err);
      if (Object.keys(fields).length) form.setFields(Object.entries(fields).map(([name, msg]) => ({ name, errors: [msg] })));
      else message.error(messageOf(err));
    }
  };

  const reset = (account: StaffAccount) => {
    modal.confirm({
      title: `重置 ${account.displayName ?? account.username} 的密码？`,
      content: '将生成新的一次性密码，该账号所有登录会话立即失效。',
      okText: '重置',
      cancelText: '取消',
      onOk: async () => {
        try {
          const res = await api.post(`/api/console/staff/${account.id}/password-reset`, StaffPasswordResponseSchema);
          showPassword('密码已重置', res.account, res.oneTimePassword);
          await load();
        } catch (err) {
          message.error(messageOf(err));
        }
      },
    });
  };

  return (
    <>
      <h1 className="console-page-title">账号管理</h1>
      <Card size="small">
        <Tabs
          activeKey={role}
          onChange={(key) => setParams({ role: key })}
          items={[
            { key: 'school_admin', label: '学校管理员' },
            { key: 'operator', label: '管理中心账号' },
          ]}
          tabBarExtraContent={
            <Button type="primary" onClick={() => setCreating(true)}>
              {role === 'operator' ? '新建中心账号' : '新建学校管理员'}
            </Button>
          }
        />
        <Table<StaffAccount>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, showTotal: (t) => `共 ${t} 个账号`, onChange: (p) => setParams({ role, page: String(p) }) }}
          columns={[
            { title: '姓名', dataIndex: 'displayName' },
            { title: '用户名', dataIndex: 'username' },
            ...(role === 'school_admin' ? [{ title: '学校', render: (_: unknown, a: StaffAccount) => a.school?.name ?? '—' }] : []),
            { title: '手机号', dataIndex: 'phoneMasked' },
            {
              title: '状态',
              render: (_, a) => (
                <Space size={4}>
                  {a.status === 'active' ? <Tag color="green">正常</Tag> : <Tag color="red">已停用</Tag>}
                  {a.passwordChangeRequired ? <Tag color="orange">待首次改密</Tag> : null}
                </Space>
              ),
            },
            { title: '创建时间', render: (_, a) => dayjs(a.createdAt).format('YYYY-MM-DD HH:mm') },
            {
              title: '操作',
              render: (_, a) => (
                <Space>
                  <Button size="small" onClick={() => reset(a)}>
                    重置密码
                  </Button>
                  <Button size="small" danger={a.status === 'active'} onClick={() => setToggling(a)}>
                    {a.status === 'active' ? '停用' : '启用'}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Modal open={creating} title={role === 'operator' ? '新建中心账号' : '新建学校管理员'} okText="创建" cancelText="取消" onOk={create} onCancel={() => setCreating(false)} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false}>
          {role === 'school_admin' ? (
            <Form.Item name="schoolId" label="学校" rules={[{ required: true, message: '请选择学校' }]}>
              <Select showSearch={{ filterOption: false, onSearch: (q) => void searchSchools(q) }} options={schoolOptions} placeholder="输入学校名称或标识码搜索" onFocus={() => void searchSchools('')} />
            </Form.Item>
          ) : null}
          <Form.Item name="displayName" label="姓名" rules={[{ required: true, message: '请填写姓名' }]}>
            <Input maxLength={30} />
          </Form.Item>
          <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请填写用户名' }]}>
            <Input maxLength={32} />
          </Form.Item>
          <Form.Item name="phone" label="手机号（接收登录短信验证码）" rules={[{ required: true, message: '请填写手机号' }]}>
            <Input maxLength={11} />
          </Form.Item>
        </Form>
      </Modal>
      <ReasonModal
        open={toggling !== null}
        title={toggling?.status === 'active' ? '停用账号' : '启用账号'}
        description={toggling?.status === 'active' ? '停用后该账号立即退出所有会话，不能再登录。' : '启用后该账号可以重新登录。'}
        okText={toggling?.status === 'active' ? '停用' : '启用'}
        {...(toggling?.status === 'active' ? { danger: true } : {})}
        onCancel={() => setToggling(null)}
        onSubmit={async (reason) => {
          await api.put(`/api/console/staff/${toggling!.id}/status`, StaffAccountResponseSchema, { status: toggling!.status === 'active' ? 'disabled' : 'active', reason });
          setToggling(null);
          message.success('已更新');
          await load();
        }}
      />
    </>
  );
}
