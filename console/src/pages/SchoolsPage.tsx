/** The operator's schools: the funnel totals of every school, server-side searched, sorted and paged. */
import { Card, Input, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQueryState } from '../useQueryState';
import { ListConsoleSchoolsResponseSchema, type ListConsoleSchoolsResponse } from '../../../domain/api/console';
import { api, messageOf } from '../api/client';
import { percent, waitingSince } from '../format';

type Row = ListConsoleSchoolsResponse['items'][number];

export function SchoolsPage() {
  const [params, update] = useQueryState();
  const [data, setData] = useState<ListConsoleSchoolsResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const q = params.get('q') ?? '';
  const sort = params.get('sort') ?? 'name';
  const order = params.get('order') ?? 'asc';

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get('/api/console/schools', ListConsoleSchoolsResponseSchema, { page, pageSize, q, sort, order }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [page, pageSize, q, sort, order]);

  useEffect(() => {
    void load();
  }, [load]);


  const onChange = (p: TablePaginationConfig, _f: unknown, sorter: SorterResult<Row> | SorterResult<Row>[]) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = s?.order ? String(s.columnKey) : undefined;
    update({ page: String(p.current ?? 1), pageSize: String(p.pageSize ?? 20), sort: key, order: key ? (s?.order === 'descend' ? 'desc' : 'asc') : undefined });
  };
  const sortOrder = (key: string) => (sort === key ? (order === 'desc' ? ('descend' as const) : ('ascend' as const)) : null);

  return (
    <>
      <h1 className="console-page-title">学校总览</h1>
      <Card size="small">
        <Space style={{ marginBottom: 12 }}>
          <Input.Search aria-label="搜索学校" placeholder="学校名称或学校标识码" allowClear defaultValue={q} style={{ width: 320 }} onSearch={(v) => update({ q: v.trim() || undefined, page: '1' })} />
          {error ? <Typography.Text type="danger">{error}</Typography.Text> : null}
        </Space>
        <Table<Row>
          rowKey="id"
          loading={loading}
          dataSource={data?.items ?? []}
          onChange={onChange}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, showTotal: (t) => `共 ${t} 所学校` }}
          columns={[
            { key: 'name', title: '学校', sorter: true, sortOrder: sortOrder('name'), render: (_, s) => <Link to={`/schools/${s.id}`}>{s.name}</Link> },
            { title: '学校标识码', dataIndex: 'code', width: 130 },
            { title: '班级', render: (_, s) => (s.orphanClasses > 0 ? <Space size={4}>{s.classes}<Tag color="warning">{`${s.orphanClasses} 个无班主任`}</Tag></Space> : s.classes), width: 160 },
            { key: 'registered', title: '已注册', sorter: true, sortOrder: sortOrder('registered'), render: (_, s) => s.counts.registered, align: 'right', width: 100 },
            { key: 'pendingReview', title: '待审核', sorter: true, sortOrder: sortOrder('pendingReview'), render: (_, s) => s.counts.pendingReview, align: 'right', width: 100 },
            {
              title: '最早等待',
              render: (_, s) => {
                const w = waitingSince(s.counts.oldestPendingSince);
                return w ? <Tooltip title={w.exact}>{w.text}</Tooltip> : '—';
              },
              width: 110,
            },
            { title: '已认证', render: (_, s) => s.counts.approved, align: 'right', width: 100 },
            { title: '认证率', render: (_, s) => percent(s.counts.approved, s.counts.registered), align: 'right', width: 100 },
          ]}
        />
      </Card>
    </>
  );
}
