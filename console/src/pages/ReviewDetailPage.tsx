/**
 * One review, as the head teacher sees it (GET /api/reviews/:versionId,
 * audited as a view): submitted vs registry with the differing fields
 * flagged, the guardian evidence next to it, the guardians (masked), what
 * changed since the previous submission and how that one ended; a dispute
 * shows both claims side by side. The actions are the ones the server offers:
 * 通过 / 退回 (a preset reason, 其他 with a text) / 保留 / 转移.
 */
import { ArrowLeftOutlined, CheckOutlined, RollbackOutlined, SwapOutlined, SafetyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Modal, Radio, Result, Row, Space, Spin, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { z } from 'zod';
import {
  RETURN_REASON_PRESETS,
  REVIEW_LIST_STATUS_LABELS,
  ReviewDecisionResponseSchema,
  ReviewDetailSchema,
  type GuardianEvidence,
} from '../../../domain/api/reviews';
import { api, fieldMessages, hasCode, messageOf } from '../api/client';

type Detail = z.infer<typeof ReviewDetailSchema>;
type Claim = NonNullable<Detail['dispute']>['claimant'];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—');

function Evidence({ evidence }: { evidence: GuardianEvidence }) {
  const color = evidence.outcome === 'match' ? 'success' : evidence.outcome === 'mismatch' ? 'error' : 'warning';
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      <Tag color={color} icon={<SafetyOutlined />}>
        {evidence.label}
      </Tag>
      <Typography.Text type="secondary">账号验证手机号：{evidence.accountPhoneMasked ?? '未验证'}</Typography.Text>
      {evidence.registryGuardians.length > 0 ? (
        evidence.registryGuardians.map((g, i) => (
          <Typography.Text key={i} type="secondary">
            学籍库监护人{i + 1}：{g.nameMasked ?? '—'} {g.phoneMasked ?? '无手机号'} {g.matchesAccount ? <Tag color="success">一致</Tag> : null}
          </Typography.Text>
        ))
      ) : (
        <Typography.Text type="secondary">学籍库未登记监护人手机号</Typography.Text>
      )}
    </Space>
  );
}

function ClaimCard({ title, claim }: { title: string; claim: Claim | null }) {
  if (!claim) return <Card size="small" title={title}>（已无持卡记录）</Card>;
  return (
    <Card size="small" title={title}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'n', label: '学生', children: claim.nameMasked },
          { key: 's', label: '学校班级', children: `${claim.schoolName ?? ''} ${claim.className ?? ''}` },
          { key: 't', label: '提交时间', children: when(claim.submittedAt) },
          { key: 'c', label: '教育卡号', children: claim.cardNumber ?? '未持卡' },
          { key: 'a', label: '通过依据', children: claim.approvalEvidenceLabel ?? '—' },
          { key: 'e', label: '监护人证据', children: <Evidence evidence={claim.guardianEvidence} /> },
        ]}
      />
    </Card>
  );
}

function ReturnDialog({ onClose, onSubmit }: { onClose: () => void; onSubmit: (body: { reasonPreset: string; reasonText?: string }) => Promise<Record<string, string> | null> }) {
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const preset = Form.useWatch('reasonPreset', form) as string | undefined;
  return (
    <Modal
      open
      title="退回申请"
      okText="退回"
      cancelText="取消"
      okButtonProps={{ danger: true, loading: saving }}
      onCancel={onClose}
      destroyOnHidden
      onOk={async () => {
        const values = (await form.validateFields()) as { reasonPreset: string; reasonText?: string };
        setSaving(true);
        const fields = await onSubmit({ reasonPreset: values.reasonPreset, ...(values.reasonText?.trim() ? { reasonText: values.reasonText } : {}) });
        setSaving(false);
        if (fields) form.setFields(Object.entries(fields).map(([name, msg]) => ({ name, errors: [msg] })));
      }}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="reasonPreset" label="退回原因" rules={[{ required: true, message: '请选择退回原因' }]}>
          <Radio.Group options={RETURN_REASON_PRESETS.map((p) => ({ value: p, label: p }))} />
        </Form.Item>
        <Form.Item name="reasonText" label={preset === '其他' ? '说明（必填）' : '补充说明（可选）'} rules={preset === '其他' ? [{ required: true, message: '请填写退回原因' }] : []} extra="家长将看到这段说明">
          <Input.TextArea rows={3} maxLength={200} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function ReviewDetailPage() {
  const { versionId } = useParams();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<{ text: string; notFound: boolean } | null>(null);
  const [returning, setReturning] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setDetail(await api.get(`/api/reviews/${versionId}`, ReviewDetailSchema));
    } catch (err) {
      setError({ text: messageOf(err), notFound: hasCode(err, 'NOT_FOUND', 'FORBIDDEN') });
    }
  }, [versionId]);

  useEffect(() => {
    void load();
  }, [load]);

  async function decide(path: string, body: unknown, success: string): Promise<Record<string, string> | null> {
    setBusy(true);
    try {
      const result = await api.post(`/api/reviews/${versionId}/${path}`, ReviewDecisionResponseSchema, body);
      message.success(result.cardNumber && path === 'approve' ? `${success}，教育卡号 ${result.cardNumber}` : success);
      setReturning(false);
      await load();
      return null;
    } catch (err) {
      const fields = fieldMessages(err);
      if (Object.keys(fields).length > 0) return fields;
      message.error(messageOf(err));
      if (hasCode(err, 'REVIEW_TRANSITION_FORBIDDEN')) await load();
      return null;
    } finally {
      setBusy(false);
    }
  }

  if (error) {
    return <Result status={error.notFound ? '404' : 'error'} title={error.text} extra={<Button onClick={() => navigate('/reviews')}>返回审核队列</Button>} />;
  }
  if (!detail) return <Spin style={{ display: 'block', margin: '120px auto' }} />;

  const name = detail.fields.find((f) => f.field === 'name')?.submitted ?? '';
  const actions = new Set(detail.actions);
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Space>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
            返回
          </Button>
          <h1 className="console-page-title" style={{ margin: 0 }}>
            审核详情 · {name}
          </h1>
          <Tag color={detail.status === 'disputed' ? 'red' : detail.status === 'pending_review' ? 'orange' : detail.status === 'returned' ? 'volcano' : 'green'}>{detail.status === 'pending_review' ? REVIEW_LIST_STATUS_LABELS.pending_review : detail.statusLabel}</Tag>
        </Space>
        <Space>
          {actions.has('approve') ? (
            <Button
              type="primary"
              icon={<CheckOutlined />}
              loading={busy}
              onClick={() =>
                modal.confirm({
                  title: `通过 ${name} 的认证？`,
                  content: detail.cardNumber ? '通过后学生信息更新，教育卡继续有效。' : '通过后将为学生发放教育卡。',
                  okText: '通过',
                  cancelText: '取消',
                  onOk: () => decide('approve', {}, '已通过'),
                })
              }
            >
              通过
            </Button>
          ) : null}
          {actions.has('return') ? (
            <Button danger icon={<RollbackOutlined />} onClick={() => setReturning(true)}>
              退回
            </Button>
          ) : null}
          {actions.has('keep') ? (
            <Button
              onClick={() =>
                modal.confirm({ title: '保留现有持卡人？', content: '本次申领将被退回，双方家庭都会收到通知。', okText: '保留', cancelText: '取消', onOk: () => decide('dispute', { decision: 'keep' }, '已保留原持卡人') })
              }
            >
              保留原持卡人
            </Button>
          ) : null}
          {actions.has('transfer') ? (
            <Button
              danger
              type="primary"
              icon={<SwapOutlined />}
              onClick={() =>
                modal.confirm({
                  title: '将教育卡转给申诉方？',
                  content: '原持卡人的教育卡将被撤销，申诉方获得新卡，双方家庭都会收到通知。',
                  okText: '转移',
                  okButtonProps: { danger: true },
                  cancelText: '取消',
                  onOk: () => decide('dispute', { decision: 'transfer' }, '已转移教育卡'),
                })
              }
            >
              转移给申诉方
            </Button>
          ) : null}
        </Space>
      </Space>
      {detail.residentIdApprovedElsewhere && detail.status !== 'disputed' ? <Alert type="warning" showIcon style={{ marginBottom: 16 }} message="该身份证号已在其他账号下认证，本申请不能直接通过" /> : null}
      {detail.cardNumber ? <Alert type="info" showIcon style={{ marginBottom: 16 }} message={`该学生已持有教育卡 ${detail.cardNumber}，无论本次结果如何，原卡继续有效。`} /> : null}
      {detail.reviewReason ? <Alert type={detail.status === 'returned' ? 'error' : 'info'} showIcon style={{ marginBottom: 16 }} message={`${detail.status === 'returned' ? '退回原因' : '说明'}：${detail.reviewReason}`} /> : null}
      <Row gutter={16}>
        <Col span={15}>
          <Card size="small" title={`家长填报与学籍库比对（第 ${detail.submission} 次提交，${when(detail.submittedAt)}）`}>
            {!detail.registryFound ? <Alert type="warning" showIcon style={{ marginBottom: 12 }} message="学籍库中未找到该学生" /> : null}
            <Table
              size="small"
              rowKey="field"
              pagination={false}
              dataSource={detail.fields}
              rowClassName={(f) => (f.differs ? 'console-row-differs' : '')}
              columns={[
                { title: '项目', dataIndex: 'label', width: 100 },
                { title: '家长填报', render: (_, f) => (f.registryOnly ? <Typography.Text type="secondary">（家长无需填写）</Typography.Text> : (f.submitted ?? '—')) },
                { title: '学籍库', render: (_, f) => f.registry ?? '—' },
                // Without a registry row there is nothing to agree with.
                { title: '', width: 90, render: (_, f) => (f.differs ? <Tag color="error">不一致</Tag> : detail.registryFound && !f.registryOnly ? <Tag>一致</Tag> : null) },
              ]}
            />
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
              比对结果：{detail.matchOutcomeLabel ?? '—'}
            </Typography.Text>
          </Card>
          {detail.previous ? (
            <Card size="small" title={`上次提交（第 ${detail.previous.submission} 次）：${detail.previous.statusLabel}`} style={{ marginTop: 16 }}>
              {detail.previous.reviewReason ? <Typography.Paragraph>上次原因：{detail.previous.reviewReason}</Typography.Paragraph> : null}
              {detail.previous.changes.length > 0 ? (
                <Table
                  size="small"
                  rowKey="field"
                  pagination={false}
                  dataSource={detail.previous.changes}
                  columns={[
                    { title: '本次修改', dataIndex: 'label', width: 100 },
                    { title: '修改前', render: (_, c) => c.before ?? '—' },
                    { title: '修改后', render: (_, c) => c.after ?? '—' },
                  ]}
                />
              ) : (
                <Typography.Text type="secondary">关键信息未修改</Typography.Text>
              )}
            </Card>
          ) : null}
          {detail.dispute ? (
            <Row gutter={12} style={{ marginTop: 16 }}>
              <Col span={12}>
                <ClaimCard title="现持卡方" claim={detail.dispute.holder} />
              </Col>
              <Col span={12}>
                <ClaimCard title="申诉方（本次申请）" claim={detail.dispute.claimant} />
              </Col>
            </Row>
          ) : null}
        </Col>
        <Col span={9}>
          <Card size="small" title="监护人证据">
            <Evidence evidence={detail.guardianEvidence} />
            {detail.approvalEvidenceLabel ? <Typography.Paragraph style={{ marginTop: 8 }}>通过依据：{detail.approvalEvidenceLabel}</Typography.Paragraph> : null}
          </Card>
          <Card size="small" title="监护人" style={{ marginTop: 16 }}>
            {detail.guardians.map((g, i) => (
              <Descriptions
                key={i}
                size="small"
                column={1}
                style={{ marginBottom: 8 }}
                items={[
                  { key: 'n', label: g.relationLabel, children: g.name },
                  { key: 'i', label: '身份证号', children: g.residentIdMasked },
                  { key: 'p', label: '手机号', children: g.phoneMasked },
                ]}
              />
            ))}
          </Card>
        </Col>
      </Row>
      {returning ? <ReturnDialog onClose={() => setReturning(false)} onSubmit={(body) => decide('return', body, '已退回，家长将收到通知')} /> : null}
    </>
  );
}
