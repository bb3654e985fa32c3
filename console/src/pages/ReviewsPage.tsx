/**
 * The school's review queue (审核队列), the same API and rules as the head
 * teacher's review pages (GET /api/reviews as a school admin: every class of
 * the school): tabs by status with counts, a class filter, a paged table; a
 * row opens the review (ReviewDetailPage).
 */
import { Alert, Badge, Card, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useQueryState } from '../useQueryState';
import type { z } from 'zod';
import { ListReviewsResponseSchema, REVIEW_LIST_STATUSES, REVIEW_LIST_STATUS_LABELS, type ReviewListStatus } from '../../../domain/api/reviews';
import { api, messageOf } from '../api/client';
import { waitingSince } from '../format';

type ListReviews = z.infer<typeof ListReviewsResponseSchema>;
type Item = ListReviews['items'][number];

/** Staff read 待审核 (the head teacher's own word, 待班主任审核, is the families'). */
const labelOf = (r: { status: string; statusLabel: string }) => (r.status === 'pending_review' ? REVIEW_LIST_STATUS_LABELS.pending_review : r.statusLabel);

export function ReviewsPage() {
  const navigate = useNavigate();
  const [params, update] = useQueryState();
  const [data, setData] = useState<ListReviews | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const status = (params.get('status') as ReviewListStatus | null) ?? 'pending_review';
  const classId = params.get('classId') ?? undefined;
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get('/api/reviews', ListReviewsResponseSchema, { status, classId, page, pageSize }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [status, classId, page, pageSize]);

  useEffect(() => {
    void load();
  }, [load]);


  const classes = data?.classes ?? [];
  const countOf = (s: ReviewListStatus) =>
    classes.filter((c) => !classId || c.classId === classId).reduce((n, c) => n + ({ pending_review: c.pendingReview, disputed: c.disputed, returned: c.returned, approved: c.approved } as const)[s], 0);

  return (
    <>
      <h1 className="console-page-title">审核队列</h1>
      <Typography.Paragraph type="secondary">本校全部班级的认证申请，与班主任审核页面相同的规则：通过或退回（写明原因），身份申诉可保留或转移教育卡。</Typography.Paragraph>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ width: '100%', justifyContent: 'space-between' }} align="center">
          <Tabs
            activeKey={status}
            onChange={(key) => update({ status: key, page: '1' })}
            items={REVIEW_LIST_STATUSES.map((s) => ({
              key: s,
              label: (
                <Space size={6}>
                  {REVIEW_LIST_STATUS_LABELS[s]}
                  <Badge count={countOf(s)} showZero color={s === 'pending_review' ? '#fa8c16' : s === 'disputed' ? '#f5222d' : '#bfbfbf'} overflowCount={9999} />
                </Space>
              ),
            }))}
          />
          <Select
            aria-label="班级"
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="全部班级"
            style={{ width: 200 }}
            value={classId ?? null}
            onChange={(v) => update({ classId: v ?? undefined, page: '1' })}
            options={classes.map((c) => ({ value: c.classId, label: `${c.gradeLabel}${c.className}` }))}
          />
        </Space>
        <Table<Item>
          rowKey="versionId"
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          onRow={(r) => ({ onClick: () => navigate(`/reviews/${r.versionId}`), style: { cursor: 'pointer' } })}
          onChange={(p: TablePaginationConfig) => update({ page: String(p.current ?? 1), pageSize: String(p.pageSize ?? 20) })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [10, 20, 50], showTotal: (total) => `共 ${total} 条` }}
          locale={{ emptyText: `没有${REVIEW_LIST_STATUS_LABELS[status]}的申请` }}
          columns={[
            { title: '学生', dataIndex: 'nameMasked', width: 120 },
            {
              title: '班级',
              render: (_, r) => {
                const c = classes.find((k) => k.classId === r.classId);
                return c ? `${c.gradeLabel}${c.className}` : (r.className ?? '—');
              },
            },
            { title: '状态', render: (_, r) => <Tag color={r.status === 'disputed' ? 'red' : r.status === 'pending_review' ? 'orange' : r.status === 'returned' ? 'volcano' : 'green'}>{labelOf(r)}</Tag> },
            { title: '比对结果', render: (_, r) => r.matchOutcomeLabel ?? '—' },
            { title: '第几次', render: (_, r) => `第 ${r.version} 版` },
            {
              title: status === 'pending_review' || status === 'disputed' ? '等待' : '更新于',
              render: (_, r) => {
                const w = waitingSince(r.statusChangedAt);
                return w ? <Tooltip title={w.exact}>{w.text}</Tooltip> : '—';
              },
            },
            { title: '', width: 80, render: () => <Typography.Link>查看</Typography.Link> },
          ]}
        />
      </Card>
    </>
  );
}
