/**
 * Operators: waiting reviews that have nobody to review them (a class without
 * an active head teacher in a school without an active school admin). The
 * centre appoints a school admin or a head teacher; the reviews then move to
 * them by themselves.
 */
import { Alert, Card, Empty, Table, Tag, Tooltip } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { StrandedReviewsResponseSchema, type StrandedReviewsResponse } from '../../../domain/api/console-school';
import { api, messageOf } from '../api/client';
import { waitingSince } from '../format';

export function StrandedReviewsPage() {
  const [data, setData] = useState<StrandedReviewsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get('/api/console/stranded-reviews', StrandedReviewsResponseSchema).then(setData, (err: unknown) => setError(messageOf(err)));
  }, []);
  return (
    <>
      <h1 className="console-page-title">无人审核的申请</h1>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      {data && data.total > 0 ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={`${data.items.length} 所学校共有 ${data.total} 条待审核申请无人处理`}
          description="这些班级没有在职班主任，学校也没有在职的学校管理员。请为学校开通学校管理员或指定班主任，申请会自动转给对方。"
        />
      ) : null}
      <Card size="small">
        <Table
          rowKey="schoolId"
          size="middle"
          loading={!data && !error}
          pagination={false}
          dataSource={data?.items ?? []}
          locale={{ emptyText: <Empty description="没有无人审核的申请" /> }}
          columns={[
            { title: '学校', render: (_, r) => <Link to={`/schools/${r.schoolId}/classes?headTeacher=missing`}>{r.schoolName}</Link> },
            { title: '学校标识码', dataIndex: 'schoolCode' },
            { title: '待审核', dataIndex: 'waiting', align: 'right' },
            {
              title: '最早等待',
              render: (_, r) => {
                const w = waitingSince(r.oldestSince);
                return w ? <Tooltip title={w.exact}>{w.text}</Tooltip> : '—';
              },
            },
            { title: '在职学校管理员', render: (_, r) => (r.activeAdmins > 0 ? r.activeAdmins : <Tag color="error">无</Tag>) },
          ]}
        />
      </Card>
    </>
  );
}
