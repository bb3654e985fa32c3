/** 审计日志: search by actor, subject, action and time, newest first, paged by the server. */
import { Button, Card, DatePicker, Form, Input, Space, Table, Tag, Tooltip, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { AuditListResponseSchema, type AuditEntry, type AuditListResponse } from '../../../domain/api/console-operator';
import { ACCOUNT_ROLE_LABELS, type AccountRole } from '../../../domain/api/auth';
import { api, messageOf } from '../api/client';

const ACTION_LABELS: Record<string, string> = {
  'console.pii_revealed': '查看完整个人信息',
  'console.support_search': '客服查询',
  'console.account_unlocked': '解除登录限制',
  'console.order_refunded': '订单退款',
  'console.login': '登录管理后台',
  'console.logout': '退出管理后台',
  'console.school_region_set': '设置学校行政区划',
  'ecard.revoked': '撤销教育卡',
  'ecard.reissued': '补发教育卡',
  'account.login': '登录',
  'account.login_failed': '登录失败',
  'account.registered': '注册账号',
  'student.created': '添加学生',
  'account.recovery_approved': '核实人工找回',
  'account.recovery_rejected': '驳回人工找回',
};

const SUBJECT_LABELS: Record<string, string> = { student: '学生', account: '账号', order: '订单', school: '学校', refund: '退款' };

const FILTERS = ['actorId', 'action', 'subjectType', 'subjectId', 'from', 'to'] as const;

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm();
  const [data, setData] = useState<AuditListResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? undefined]));

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get('/api/console/audit', AuditListResponseSchema, { page, pageSize, ...filters }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.toString()]);

  useEffect(() => {
    void load();
  }, [load]);

  const onFinish = (values: { actorId?: string; action?: string; subjectType?: string; subjectId?: string; range?: [Dayjs, Dayjs] | null }) => {
    const next = new URLSearchParams();
    for (const k of ['actorId', 'action', 'subjectType', 'subjectId'] as const) if (values[k]?.trim()) next.set(k, values[k]!.trim());
    if (values.range?.[0]) next.set('from', values.range[0].startOf('day').toISOString());
    if (values.range?.[1]) next.set('to', values.range[1].endOf('day').toISOString());
    setParams(next);
  };

  return (
    <>
      <h1 className="console-page-title">审计日志</h1>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Form
          form={form}
          layout="inline"
          onFinish={onFinish}
          initialValues={{
            ...filters,
            range: filters.from || filters.to ? [filters.from ? dayjs(filters.from) : null, filters.to ? dayjs(filters.to) : null] : null,
          }}
        >
          <Form.Item name="actorId" label="操作人编号">
            <Input allowClear placeholder="账号编号" style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="action" label="操作">
            <Input allowClear placeholder="如 console. 或 ecard.revoked" style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="subjectType" label="对象类型">
            <Input allowClear placeholder="student / account / order" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="subjectId" label="对象编号">
            <Input allowClear style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="range" label="时间">
            <DatePicker.RangePicker allowEmpty={[true, true]} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit">
                查询
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  setParams(new URLSearchParams());
                }}
              >
                重置
              </Button>
            </Space>
          </Form.Item>
        </Form>
        {error ? <Typography.Text type="danger">{error}</Typography.Text> : null}
      </Card>
      <Card size="small">
        <Table<AuditEntry>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={data?.items ?? []}
          pagination={{
            current: page,
            pageSize,
            // No count over the log: the pager knows only whether a next page exists.
            total: (page - 1) * pageSize + (data?.items.length ?? 0) + (data?.hasMore ? 1 : 0),
            showSizeChanger: true,
            showTotal: () => `第 ${page} 页`,
            onChange: (p, s) => {
              const next = new URLSearchParams(params);
              next.set('page', String(p));
              next.set('pageSize', String(s));
              setParams(next);
            },
          }}
          columns={[
            { title: '时间', width: 170, render: (_, e) => dayjs(e.at).format('YYYY-MM-DD HH:mm:ss') },
            { title: '操作人', width: 180, render: (_, e) => (e.actorId ? <Tooltip title={e.actorId}>{e.actorName ?? e.actorId.slice(0, 8)}{e.actorRole ? <Typography.Text type="secondary">（{ACCOUNT_ROLE_LABELS[e.actorRole as AccountRole] ?? e.actorRole}）</Typography.Text> : null}</Tooltip> : '系统') },
            { title: '操作', render: (_, e) => <Space size={4}><span>{ACTION_LABELS[e.action] ?? e.action}</span>{e.success ? null : <Tag color="red">未成功</Tag>}</Space> },
            {
              title: '对象',
              width: 240,
              render: (_, e) =>
                e.subjectType ? (
                  <Tooltip title={e.subjectId}>
                    <Typography.Text ellipsis style={{ maxWidth: 220 }}>{`${SUBJECT_LABELS[e.subjectType] ?? e.subjectType} ${e.subjectId ?? ''}`}</Typography.Text>
                  </Tooltip>
                ) : (
                  '—'
                ),
            },
            { title: '详情', render: (_, e) => <Typography.Text code ellipsis style={{ maxWidth: 320 }}>{e.detail ? JSON.stringify(e.detail) : ''}</Typography.Text> },
            { title: 'IP', dataIndex: 'ip', width: 120 },
            { title: '链位置', width: 90, render: (_, e) => (e.chainSeq === null ? <Tooltip title="几秒内写入哈希链"><Tag>待入链</Tag></Tooltip> : e.chainSeq) },
          ]}
        />
      </Card>
    </>
  );
}
