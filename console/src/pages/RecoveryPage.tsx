/**
 * 人工找回: the manual recovery requests about accounts of the school (GET
 * /api/recovery-requests as a school admin), newest first, filtered by status.
 * The reviewer checks the person (by phone or in person) and approves —
 * the request takes effect after the waiting period, the old phone and WeChat
 * are told at once — or rejects it with a reason.
 */
import { CheckOutlined, CloseOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { z } from 'zod';
import {
  ACCOUNT_ROLE_LABELS,
  RECOVERY_STATUS_LABELS,
  RECOVERY_STATUSES,
  RecoveryDecisionResponseSchema,
  RecoveryRequestListResponseSchema,
  type RecoveryStatus,
} from '../../../domain/api/auth';
import { api, fieldMessages, messageOf } from '../api/client';

type Item = z.infer<typeof RecoveryRequestListResponseSchema>['items'][number];
const STATUS_COLORS: Record<RecoveryStatus, string> = { pending: 'orange', approved: 'blue', rejected: 'default', cancelled: 'default', completed: 'green' };
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—');

export function RecoveryPage() {
  const { message, modal } = App.useApp();
  const [params, setParams] = useSearchParams();
  const [data, setData] = useState<z.infer<typeof RecoveryRequestListResponseSchema> | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Item | null>(null);
  const [form] = Form.useForm();
  const status = (params.get('status') as RecoveryStatus | null) ?? 'pending';
  const page = Number(params.get('page') ?? '1') || 1;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get('/api/recovery-requests', RecoveryRequestListResponseSchema, { status, page, pageSize: 20 }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [status, page]);

  useEffect(() => {
    void load();
  }, [load]);

  async function approve(item: Item) {
    try {
      const { request } = await api.post(`/api/recovery-requests/${item.id}/approve`, RecoveryDecisionResponseSchema);
      message.success(`已核实，将于 ${when(request.effectiveAt)} 后生效；原手机号和微信已收到通知`);
      void load();
    } catch (err) {
      message.error(messageOf(err));
    }
  }

  async function reject() {
    if (!rejecting) return;
    const { reason } = (await form.validateFields()) as { reason: string };
    try {
      await api.post(`/api/recovery-requests/${rejecting.id}/reject`, RecoveryDecisionResponseSchema, { reason });
      message.success('已驳回');
      setRejecting(null);
      form.resetFields();
      void load();
    } catch (err) {
      const fields = fieldMessages(err);
      if (fields.reason) form.setFields([{ name: 'reason', errors: [fields.reason] }]);
      else message.error(messageOf(err));
    }
  }

  return (
    <>
      <h1 className="console-page-title">人工找回</h1>
      <Typography.Paragraph type="secondary">
        家长丢失绑定手机号时提交的找回申请。请先电话或当面核实申请人身份再点“核实通过”；通过后需等待一段时间才生效，期间原手机号和微信会收到通知，账号本人可以取消。
      </Typography.Paragraph>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ marginBottom: 12 }}>
          <Select
            aria-label="找回状态"
            style={{ width: 180 }}
            value={status}
            onChange={(v) => setParams(new URLSearchParams({ status: v }), { replace: true })}
            options={RECOVERY_STATUSES.map((s) => ({ value: s, label: RECOVERY_STATUS_LABELS[s] }))}
          />
        </Space>
        <Table<Item>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          onChange={(p: TablePaginationConfig) => setParams(new URLSearchParams({ status, page: String(p.current ?? 1) }), { replace: true })}
          pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, showTotal: (total) => `共 ${total} 条` }}
          locale={{ emptyText: `没有${RECOVERY_STATUS_LABELS[status]}的找回申请` }}
          columns={[
            { title: '提交时间', render: (_, r) => when(r.createdAt), width: 170 },
            { title: '账号', render: (_, r) => `${r.usernameMasked ?? '—'}（${ACCOUNT_ROLE_LABELS[r.accountRole]}）` },
            { title: '学生', render: (_, r) => r.students.map((s) => `${s.nameMasked}${s.className ? ` ${s.className}` : ''}`).join('、') || '—' },
            { title: '原手机号', render: (_, r) => r.oldPhoneMasked ?? '—' },
            { title: '新手机号', dataIndex: 'newPhoneMasked' },
            { title: '申请说明', dataIndex: 'note', ellipsis: true },
            {
              title: '状态',
              render: (_, r) => (
                <Space direction="vertical" size={0}>
                  <Tag color={STATUS_COLORS[r.status]}>{RECOVERY_STATUS_LABELS[r.status]}</Tag>
                  {r.status === 'approved' ? <Typography.Text type="secondary">生效：{when(r.effectiveAt)}</Typography.Text> : null}
                  {r.rejectReason ? <Typography.Text type="secondary">原因：{r.rejectReason}</Typography.Text> : null}
                </Space>
              ),
            },
            {
              title: '操作',
              width: 200,
              render: (_, r) =>
                r.status === 'pending' ? (
                  <Space>
                    <Button
                      size="small"
                      type="primary"
                      icon={<CheckOutlined />}
                      onClick={() =>
                        modal.confirm({
                          title: '确认已核实申请人身份？',
                          content: `通过后等待期满，账号将改绑到 ${r.newPhoneMasked}。`,
                          okText: '核实通过',
                          cancelText: '取消',
                          onOk: () => approve(r),
                        })
                      }
                    >
                      核实通过
                    </Button>
                    <Button size="small" danger icon={<CloseOutlined />} onClick={() => setRejecting(r)}>
                      驳回
                    </Button>
                  </Space>
                ) : null,
            },
          ]}
        />
      </Card>
      <Modal open={!!rejecting} title="驳回找回申请" okText="驳回" cancelText="取消" okButtonProps={{ danger: true }} onOk={() => void reject()} onCancel={() => setRejecting(null)} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label="驳回原因（申请人可见）" rules={[{ required: true, message: '请填写驳回原因' }, { min: 2, message: '至少 2 个字' }]}>
            <Input.TextArea rows={3} maxLength={100} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
