/**
 * One class's students (masked) with their status and card, paged and
 * filtered by the server; 导出名单 downloads the class's status list as XLSX
 * (masked, audited); a valid card can be revoked and a revoked one reissued,
 * each with a reason the family reads on the card page.
 */
import { ArrowLeftOutlined, DownloadOutlined, RedoOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useQueryState } from '../useQueryState';
import { CARD_STATE_LABELS, ListClassStudentsResponseSchema, type ClassStudent, type ListClassStudentsResponse } from '../../../domain/api/console-school';
import { CardAdminViewSchema, MAX_CARD_ACTION_REASON_LENGTH } from '../../../domain/api/ecard';
import { REVIEW_STATE_LABELS, REVIEW_STATES } from '../../../domain/review/state-machine';
import { api, download, fieldMessages, messageOf } from '../api/client';

const CARD_COLORS = { none: 'default', valid: 'success', revoked: 'error' } as const;

function CardDialog({ student, action, onClose, onDone }: { student: ClassStudent; action: 'revoke' | 'reissue'; onClose: () => void; onDone: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const revoke = action === 'revoke';
  return (
    <Modal
      open
      title={`${revoke ? '撤销' : '补发'}教育卡 · ${student.nameMasked ?? ''} ${student.cardNumber ?? ''}`}
      okText={revoke ? '撤销' : '补发'}
      cancelText="取消"
      okButtonProps={{ danger: revoke, loading: saving }}
      onCancel={onClose}
      destroyOnHidden
      onOk={async () => {
        const { reason } = (await form.validateFields()) as { reason: string };
        setSaving(true);
        try {
          const card = await api.post(`/api/students/${student.studentId}/ecard/${revoke ? 'revocation' : 'reissue'}`, CardAdminViewSchema, { reason });
          message.success(revoke ? `已撤销教育卡 ${card.cardNumber ?? ''}` : `已补发教育卡，新卡号 ${card.cardNumber ?? ''}`);
          onDone();
        } catch (err) {
          const fields = fieldMessages(err);
          if (fields.reason) form.setFields([{ name: 'reason', errors: [fields.reason] }]);
          else message.error(messageOf(err));
        } finally {
          setSaving(false);
        }
      }}
    >
      <Typography.Paragraph type="secondary">
        {revoke ? '撤销后该卡的电子卡码核验结果为“已撤销”，家长在电子卡页面看到撤销原因。' : '补发将生成新的教育卡号，原卡仍为已撤销。'}
      </Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="reason" label="原因（家长可见）" rules={[{ required: true, message: '请填写原因' }, { min: 2, message: '原因至少 2 个字' }]}>
          <Input.TextArea rows={3} maxLength={MAX_CARD_ACTION_REASON_LENGTH} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function ClassStudentsPage({ schoolId, classId }: { schoolId: string; classId: string }) {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, update] = useQueryState();
  const [data, setData] = useState<ListClassStudentsResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [card, setCard] = useState<{ student: ClassStudent; action: 'revoke' | 'reissue' } | null>(null);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const status = params.get('status') ?? undefined;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get(`/api/console/schools/${schoolId}/classes/${classId}/students`, ListClassStudentsResponseSchema, { page, pageSize, status }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [schoolId, classId, page, pageSize, status]);

  useEffect(() => {
    void load();
  }, [load]);


  async function exportXlsx() {
    setExporting(true);
    try {
      const name = await download(`/api/console/schools/${schoolId}/classes/${classId}/export.xlsx`, '班级认证状态.xlsx');
      message.success(`已导出 ${name}`);
    } catch (err) {
      message.error(messageOf(err));
    } finally {
      setExporting(false);
    }
  }

  const title = data ? `${data.class.gradeLabel}${data.class.name}` : '班级';
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Space>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
            返回
          </Button>
          <h1 className="console-page-title" style={{ margin: 0 }}>
            {title} · 学生名单
          </h1>
        </Space>
        <Tooltip title="姓名、身份证号脱敏；导出操作记入审计日志">
          <Button type="primary" icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportXlsx()}>
            导出名单（Excel）
          </Button>
        </Tooltip>
      </Space>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ marginBottom: 12 }}>
          <Select
            aria-label="认证状态"
            allowClear
            placeholder="认证状态：全部"
            style={{ width: 180 }}
            value={status ?? null}
            onChange={(v) => update({ status: v ?? undefined, page: '1' })}
            options={REVIEW_STATES.map((s) => ({ value: s, label: REVIEW_STATE_LABELS[s] }))}
          />
        </Space>
        <Table<ClassStudent>
          rowKey="studentId"
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          onChange={(p: TablePaginationConfig) => update({ page: String(p.current ?? 1), pageSize: String(p.pageSize ?? 20) })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [10, 20, 50], showTotal: (total) => `共 ${total} 名学生` }}
          columns={[
            { title: '学生', render: (_, s) => s.nameMasked ?? <Typography.Text type="secondary">（草稿）</Typography.Text> },
            { title: '身份证号', render: (_, s) => s.residentIdMasked ?? '—' },
            {
              title: '认证状态',
              render: (_, s) =>
                s.waitingVersionId ? (
                  <Link to={`/reviews/${s.waitingVersionId}`}>
                    <Tag color={s.status === 'disputed' ? 'red' : 'orange'}>{s.statusLabel}</Tag>
                  </Link>
                ) : (
                  <Tag color={s.status === 'approved' ? 'green' : s.status === 'returned' ? 'volcano' : 'default'}>{s.statusLabel}</Tag>
                ),
            },
            { title: '教育卡号', render: (_, s) => s.cardNumber ?? '—' },
            {
              title: '证卡',
              render: (_, s) => (
                <Tooltip title={s.cardRevokedReason ? `撤销原因：${s.cardRevokedReason}` : undefined}>
                  <Tag color={CARD_COLORS[s.cardState]}>{CARD_STATE_LABELS[s.cardState]}</Tag>
                </Tooltip>
              ),
            },
            { title: '最近提交', render: (_, s) => (s.submittedAt ? new Date(s.submittedAt).toLocaleString('zh-CN', { hour12: false }) : '—') },
            {
              title: '操作',
              width: 130,
              render: (_, s) =>
                s.cardState === 'valid' ? (
                  <Button size="small" danger icon={<StopOutlined />} onClick={() => setCard({ student: s, action: 'revoke' })}>
                    撤销证卡
                  </Button>
                ) : s.cardState === 'revoked' ? (
                  <Button size="small" icon={<RedoOutlined />} onClick={() => setCard({ student: s, action: 'reissue' })}>
                    补发证卡
                  </Button>
                ) : null,
            },
          ]}
        />
      </Card>
      {card ? (
        <CardDialog
          {...card}
          onClose={() => setCard(null)}
          onDone={() => {
            setCard(null);
            void load();
          }}
        />
      ) : null}
    </>
  );
}
