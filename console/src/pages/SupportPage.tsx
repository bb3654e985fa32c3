/**
 * 客服查询 (the hotline): find a family by phone, resident ID, card number,
 * username or order number; everything shown masked. A full value is shown
 * only after the operator gives a reason (audited); from the family: reveal,
 * unlock the account, revoke or reissue a card, refund an order, decide a
 * recovery request.
 */
import { App, Button, Card, Descriptions, Empty, Form, Input, List, Modal, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ACCOUNT_ROLE_LABELS, RecoveryDecisionResponseSchema } from '../../../domain/api/auth';
import { formatFen } from '../../../domain/api/comm-card';
import {
  REVEAL_FIELD_LABELS,
  SUPPORT_SEARCH_KIND_LABELS,
  SUPPORT_SEARCH_KINDS,
  SupportFamilyDetailSchema,
  SupportRefundResponseSchema,
  SupportRevealResponseSchema,
  SupportSearchResponseSchema,
  SupportUnlockResponseSchema,
  EXPRESS_COMPANY_CODES,
  EXPRESS_COMPANY_LABELS,
  ShipOrderResponseSchema,
  type RevealField,
  type SupportFamilyDetail,
  type SupportOrder,
  type SupportSearchKind,
  type SupportSearchResponse,
  type SupportStudent,
} from '../../../domain/api/console-operator';
import { CardAdminViewSchema } from '../../../domain/api/ecard';
import { api, fieldMessages, messageOf } from '../api/client';
import { ReasonModal } from '../components/ReasonModal';

const PLACEHOLDERS: Record<SupportSearchKind, string> = {
  phone: '11 位手机号',
  residentId: '18 位身份证号',
  cardNumber: '教育卡号，如 JY3201…',
  username: '登录用户名',
  order: '订单号（EC 开头）',
};

const CARD_COLORS = { valid: 'green', revoked: 'red', not_issued: 'default' } as const;

type Pending =
  | { kind: 'reveal'; field: RevealField; subjectId: string; label: string }
  | { kind: 'revoke'; student: SupportStudent }
  | { kind: 'reissue'; student: SupportStudent }
  | { kind: 'unlock' }
  | { kind: 'refund'; order: SupportOrder }
  | { kind: 'rejectRecovery'; id: string };

const MODAL_TEXT: Record<Pending['kind'], { title: string; description: string; okText: string; danger?: boolean }> = {
  reveal: { title: '查看完整信息', description: '完整信息仅用于核实来电者身份。查看将记入审计日志（查看人、时间、原因）。', okText: '查看' },
  revoke: { title: '撤销教育卡', description: '撤销后电子卡立即失效，家长在电子卡页面会看到“已撤销”和这里填写的原因。', okText: '撤销', danger: true },
  reissue: { title: '补发教育卡', description: '补发将生成新的卡号，原卡号保持撤销状态。', okText: '补发' },
  unlock: { title: '解除登录限制', description: '清除该账号的密码错误次数和登录等待时间。请先核实来电者身份。', okText: '解除' },
  refund: { title: '订单退款', description: '将通过微信支付原路全额退款，退款结果以微信支付通知为准。', okText: '退款', danger: true },
  rejectRecovery: { title: '驳回人工找回申请', description: '申请人会收到驳回通知和原因。', okText: '驳回', danger: true },
};

export function SupportPage() {
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const kind = (SUPPORT_SEARCH_KINDS as readonly string[]).includes(params.get('kind') ?? '') ? (params.get('kind') as SupportSearchKind) : 'phone';
  const q = params.get('q') ?? '';
  const accountId = params.get('account');
  const [draftKind, setDraftKind] = useState<SupportSearchKind>(kind);
  const [results, setResults] = useState<SupportSearchResponse | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const [family, setFamily] = useState<SupportFamilyDetail | null>(null);
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<Pending | null>(null);
  const [shipping, setShipping] = useState<SupportOrder | null>(null);
  const [shipForm] = Form.useForm<{ carrier: string; trackingNo: string }>();

  const search = useCallback(async () => {
    if (!q) return;
    setSearching(true);
    setSearchError(null);
    try {
      const found = await api.get('/api/console/support/search', SupportSearchResponseSchema, { kind, q });
      setResults(found);
      if (found.items.length === 1 && !accountId) {
        const next = new URLSearchParams(params);
        next.set('account', found.items[0]!.account.id);
        setParams(next, { replace: true });
      }
    } catch (err) {
      setResults(null);
      setSearchError(fieldMessages(err).q ?? messageOf(err));
    } finally {
      setSearching(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, q]);

  const loadFamily = useCallback(async () => {
    if (!accountId) {
      setFamily(null);
      return;
    }
    try {
      setFamily(await api.get(`/api/console/support/families/${accountId}`, SupportFamilyDetailSchema));
    } catch (err) {
      message.error(messageOf(err));
    }
  }, [accountId, message]);

  useEffect(() => {
    void search();
  }, [search]);
  useEffect(() => {
    setRevealed({});
    void loadFamily();
  }, [loadFamily]);

  const onSearch = (value: string) => {
    const next = new URLSearchParams();
    next.set('kind', draftKind);
    if (value.trim()) next.set('q', value.trim());
    setParams(next);
  };

  const act = async (reason: string) => {
    if (!pending || !family) return;
    switch (pending.kind) {
      case 'reveal': {
        const res = await api.post('/api/console/support/reveal', SupportRevealResponseSchema, { field: pending.field, subjectId: pending.subjectId, reason });
        setRevealed((r) => ({ ...r, [`${pending.field}:${pending.subjectId}`]: res.value }));
        message.success(`已显示${REVEAL_FIELD_LABELS[pending.field]}，本次查看已记入审计日志`);
        break;
      }
      case 'revoke':
        await api.post(`/api/students/${pending.student.id}/ecard/revocation`, CardAdminViewSchema, { reason });
        message.success('教育卡已撤销');
        break;
      case 'reissue': {
        const card = await api.post(`/api/students/${pending.student.id}/ecard/reissue`, CardAdminViewSchema, { reason });
        message.success(`已补发，新卡号 ${card.cardNumber ?? ''}`);
        break;
      }
      case 'unlock':
        await api.post(`/api/console/support/accounts/${family.account.id}/unlock`, SupportUnlockResponseSchema, { reason });
        message.success('已解除登录限制');
        break;
      case 'refund': {
        const res = await api.post(`/api/console/support/orders/${pending.order.outTradeNo}/refund`, SupportRefundResponseSchema, { reason });
        message.success(`退款已提交（${res.order.statusLabel}）`);
        break;
      }
      case 'rejectRecovery':
        await api.post(`/api/recovery-requests/${pending.id}/reject`, RecoveryDecisionResponseSchema, { reason: reason.slice(0, 100) });
        message.success('已驳回');
        break;
    }
    setPending(null);
    await loadFamily();
  };

  const revealable = (field: RevealField, subjectId: string, masked: string | null, label: string) => {
    const value = revealed[`${field}:${subjectId}`];
    if (value) {
      return (
        <Space size={4}>
          <Typography.Text copyable>{value}</Typography.Text>
          <Tag color="orange">已审计</Tag>
        </Space>
      );
    }
    if (!masked) return '—';
    return (
      <Space size={4}>
        <span>{masked}</span>
        <Button size="small" type="link" onClick={() => setPending({ kind: 'reveal', field, subjectId, label })} aria-label={`查看完整${label}`}>
          查看
        </Button>
      </Space>
    );
  };

  const approveRecovery = async (id: string) => {
    try {
      await api.post(`/api/recovery-requests/${id}/approve`, RecoveryDecisionResponseSchema);
      message.success('已核实通过，等待期结束后生效');
      await loadFamily();
    } catch (err) {
      message.error(messageOf(err));
    }
  };

  const text = pending ? MODAL_TEXT[pending.kind] : MODAL_TEXT.reveal;

  return (
    <>
      <h1 className="console-page-title">客服查询</h1>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space.Compact style={{ width: 640 }}>
          <Select<SupportSearchKind>
            aria-label="查询方式"
            value={draftKind}
            onChange={setDraftKind}
            style={{ width: 130 }}
            options={SUPPORT_SEARCH_KINDS.map((k) => ({ value: k, label: SUPPORT_SEARCH_KIND_LABELS[k] }))}
          />
          <Input.Search aria-label="查询内容" placeholder={PLACEHOLDERS[draftKind]} defaultValue={q} enterButton="查询" loading={searching} allowClear onSearch={onSearch} />
        </Space.Compact>
        <div style={{ marginTop: 8 }}>
          {searchError ? (
            <Typography.Text type="danger">{searchError}</Typography.Text>
          ) : (
            <Typography.Text type="secondary">结果中的个人信息已脱敏；查询操作记入审计日志。客服热线 400 028 8881。</Typography.Text>
          )}
        </div>
      </Card>

      {results && results.items.length !== 1 ? (
        <Card size="small" title={`查询结果（${results.items.length}）`} style={{ marginBottom: 16 }}>
          {results.items.length === 0 ? (
            <Empty description="没有找到匹配的账号" />
          ) : (
            <List
              dataSource={results.items}
              renderItem={(item) => (
                <List.Item
                  actions={[
                    <Button
                      key="open"
                      type="link"
                      onClick={() => {
                        const next = new URLSearchParams(params);
                        next.set('account', item.account.id);
                        setParams(next);
                      }}
                    >
                      查看
                    </Button>,
                  ]}
                >
                  <Space>
                    <Tag>{ACCOUNT_ROLE_LABELS[item.account.role]}</Tag>
                    <span>{item.account.usernameMasked ?? '未设置用户名'}</span>
                    <span>{item.account.phoneMasked ?? '未绑定手机'}</span>
                    <Typography.Text type="secondary">匹配：{item.matchedBy}</Typography.Text>
                    <span>学生 {item.students.length} 名</span>
                  </Space>
                </List.Item>
              )}
            />
          )}
        </Card>
      ) : null}

      {family ? (
        <>
          <Card
            size="small"
            title="账号"
            style={{ marginBottom: 16 }}
            extra={
              <Button onClick={() => setPending({ kind: 'unlock' })} disabled={!family.account.locked && family.account.failedLoginCount === 0}>
                解除登录限制
              </Button>
            }
          >
            <Descriptions size="small" column={3}>
              <Descriptions.Item label="身份">{ACCOUNT_ROLE_LABELS[family.account.role]}</Descriptions.Item>
              <Descriptions.Item label="用户名">{family.account.usernameMasked ?? '—'}</Descriptions.Item>
              <Descriptions.Item label="手机号">{revealable('accountPhone', family.account.id, family.account.phoneMasked, '手机号')}</Descriptions.Item>
              <Descriptions.Item label="状态">
                {family.account.status === 'active' ? <Tag color="green">正常</Tag> : family.account.status === 'disabled' ? <Tag color="red">已停用</Tag> : <Tag>待激活</Tag>}
                {family.account.locked ? <Tag color="orange">登录受限</Tag> : null}
              </Descriptions.Item>
              <Descriptions.Item label="注册时间">{dayjs(family.account.createdAt).format('YYYY-MM-DD HH:mm')}</Descriptions.Item>
            </Descriptions>
          </Card>

          <Card size="small" title="学生与教育卡" style={{ marginBottom: 16 }}>
            <Table<SupportStudent>
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={family.students}
              locale={{ emptyText: '该账号下没有学生' }}
              columns={[
                { title: '姓名', render: (_, s) => revealable('studentName', s.id, s.nameMasked, '姓名') },
                { title: '身份证号', render: (_, s) => revealable('studentResidentId', s.id, s.residentIdMasked, '身份证号') },
                { title: '学校班级', render: (_, s) => (s.schoolName ? `${s.schoolName} ${s.classLabel ?? ''}` : '—') },
                { title: '认证状态', dataIndex: 'statusLabel' },
                { title: '教育卡号', render: (_, s) => s.cardNumber ?? '—' },
                {
                  title: '教育卡',
                  render: (_, s) => (
                    <Space size={4}>
                      <Tag color={CARD_COLORS[s.cardStatus]}>{s.cardStatus === 'valid' ? '有效' : s.cardStatus === 'revoked' ? '已撤销' : '未发放'}</Tag>
                      {s.cardRevokedReason ? <Tooltip title={s.cardRevokedReason}><Typography.Text type="secondary" ellipsis style={{ maxWidth: 140 }}>{s.cardRevokedReason}</Typography.Text></Tooltip> : null}
                    </Space>
                  ),
                },
                {
                  title: '操作',
                  render: (_, s) =>
                    s.cardStatus === 'valid' ? (
                      <Button size="small" danger onClick={() => setPending({ kind: 'revoke', student: s })}>
                        撤销教育卡
                      </Button>
                    ) : s.cardStatus === 'revoked' ? (
                      <Button size="small" onClick={() => setPending({ kind: 'reissue', student: s })}>
                        补发
                      </Button>
                    ) : null,
                },
              ]}
            />
          </Card>

          <Card size="small" title="通讯卡订单" style={{ marginBottom: 16 }}>
            <Table<SupportOrder>
              rowKey="outTradeNo"
              size="small"
              pagination={false}
              dataSource={family.orders}
              locale={{ emptyText: '没有订单' }}
              columns={[
                { title: '订单号', dataIndex: 'outTradeNo' },
                { title: '商品', dataIndex: 'description' },
                { title: '金额', render: (_, o) => `¥${formatFen(o.amountFen)}`, align: 'right' },
                { title: '状态', render: (_, o) => (o.status === 'flagged' ? <Tooltip title={o.flaggedReason}><Tag color="orange">{o.statusLabel}</Tag></Tooltip> : <Tag>{o.statusLabel}</Tag>) },
                { title: '下单时间', render: (_, o) => dayjs(o.createdAt).format('YYYY-MM-DD HH:mm') },
                { title: '发货', render: (_, o) => (o.shippedAt ? `${o.shippingCarrier ?? ''} ${o.shippingTrackingNo ?? ''}` : '—') },
                {
                  title: '操作',
                  render: (_, o) => (
                    <Space>
                      {o.status === 'paid' && !o.shippedAt ? (
                        <Button size="small" onClick={() => setShipping(o)}>
                          发货
                        </Button>
                      ) : null}
                      {o.shippedAt ? <Tag color={o.shippingUploadedAt ? 'green' : 'default'}>{o.shippingUploadedAt ? '已同步微信' : '同步微信中'}</Tag> : null}
                      {o.status === 'paid' || o.status === 'flagged' ? (
                        <Button size="small" danger onClick={() => setPending({ kind: 'refund', order: o })}>
                          退款
                        </Button>
                      ) : null}
                    </Space>
                  ),
                },
              ]}
            />
          </Card>

          <Card size="small" title="人工找回申请">
            {family.recoveryRequests.length === 0 ? (
              <Typography.Text type="secondary">没有人工找回申请</Typography.Text>
            ) : (
              <List
                dataSource={family.recoveryRequests}
                renderItem={(r) => (
                  <List.Item
                    actions={
                      r.status === 'pending'
                        ? [
                            <Button key="approve" size="small" type="primary" onClick={() => void approveRecovery(r.id)}>
                              核实通过
                            </Button>,
                            <Button key="reject" size="small" danger onClick={() => setPending({ kind: 'rejectRecovery', id: r.id })}>
                              驳回
                            </Button>,
                          ]
                        : []
                    }
                  >
                    <Space>
                      <Tag>{r.statusLabel}</Tag>
                      <span>新手机号 {r.newPhoneMasked}</span>
                      <Typography.Text type="secondary">{dayjs(r.createdAt).format('YYYY-MM-DD HH:mm')}</Typography.Text>
                      <span>{r.note}</span>
                    </Space>
                  </List.Item>
                )}
              />
            )}
          </Card>
        </>
      ) : null}

      <Modal
        open={shipping !== null}
        title="通讯卡发货"
        okText="确认发货"
        cancelText="取消"
        destroyOnHidden
        onCancel={() => setShipping(null)}
        onOk={async () => {
          const values = await shipForm.validateFields().catch(() => null);
          if (!values || !shipping) return;
          try {
            await api.post(`/api/console/orders/${shipping.outTradeNo}/shipping`, ShipOrderResponseSchema, values);
            message.success('已发货，发货信息将同步到微信');
            setShipping(null);
            await loadFamily();
          } catch (err) {
            const fields = fieldMessages(err);
            if (fields.trackingNo) shipForm.setFields([{ name: 'trackingNo', errors: [fields.trackingNo] }]);
            else message.error(messageOf(err));
          }
        }}
      >
        <Form form={shipForm} layout="vertical" preserve={false}>
          <Form.Item name="carrier" label="快递公司" rules={[{ required: true, message: '请选择快递公司' }]}>
            <Select options={EXPRESS_COMPANY_CODES.map((c) => ({ value: c, label: EXPRESS_COMPANY_LABELS[c] }))} />
          </Form.Item>
          <Form.Item name="trackingNo" label="快递单号" rules={[{ required: true, message: '请填写快递单号' }]}>
            <Input maxLength={40} />
          </Form.Item>
        </Form>
      </Modal>
      <ReasonModal
        open={pending !== null}
        title={pending?.kind === 'reveal' ? `查看完整${pending.label}` : text.title}
        description={text.description}
        okText={text.okText}
        {...(text.danger ? { danger: true } : {})}
        onCancel={() => setPending(null)}
        onSubmit={act}
      />
    </>
  );
}
