/**
 * 全省概览: the authentication funnel of the province, a city or a district,
 * with one row per city, district or school (drill down by clicking a row),
 * from the statistics aggregates (a few seconds behind the decisions).
 */
import { Breadcrumb, Card, Col, Row, Statistic, Table, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { FUNNEL_LABELS } from '../../../domain/api/console';
import { OverviewResponseSchema, type OverviewResponse, type OverviewRow } from '../../../domain/api/console-operator';
import { api, messageOf } from '../api/client';
import { Chart } from '../charts';
import { percent, waitingSince } from '../format';

const FUNNEL_KEYS = ['registered', 'submitted', 'autoApproved', 'pendingReview', 'returned', 'approved', 'reconfirmOutstanding'] as const;

export function OverviewPage() {
  const [params, setParams] = useSearchParams();
  const cityCode = params.get('city') ?? undefined;
  const districtCode = params.get('district') ?? undefined;
  const [data, setData] = useState<OverviewResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get('/api/console/overview', OverviewResponseSchema, { cityCode, districtCode }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [cityCode, districtCode]);

  useEffect(() => {
    void load();
  }, [load]);

  const drill = (row: OverviewRow) => {
    if (!data || row.key === null) return;
    if (data.rowsAre === 'city') setParams({ city: row.key });
    else if (data.rowsAre === 'district') setParams({ city: cityCode ?? '', district: row.key });
  };

  const t = data?.totals;
  const rowLabel = data?.rowsAre === 'city' ? '城市' : data?.rowsAre === 'district' ? '区县' : '学校';
  const oldest = waitingSince(t?.oldestPendingSince ?? null);

  return (
    <>
      <Breadcrumb
        style={{ marginBottom: 8 }}
        items={[
          { title: <Link to="/overview">全省</Link> },
          ...(cityCode ? [{ title: districtCode ? <Link to={`/overview?city=${cityCode}`}>{data?.level === 'district' ? '城市' : (data?.title ?? cityCode)}</Link> : (data?.title ?? cityCode) }] : []),
          ...(districtCode ? [{ title: data?.title ?? districtCode }] : []),
        ]}
      />
      <h1 className="console-page-title" style={{ marginBottom: 4 }}>
        {data?.title ?? '全省'}认证进度
      </h1>
      <Typography.Paragraph type="secondary">
        {data ? `${data.schools} 所学校` : ''}
        {data?.updatedAt ? `，统计更新于 ${new Date(data.updatedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}（几秒内反映最新审核结果）` : ''}
      </Typography.Paragraph>
      {error ? <Typography.Text type="danger">{error}</Typography.Text> : null}
      <Row gutter={12} style={{ marginBottom: 16 }}>
        {FUNNEL_KEYS.map((key) => (
          <Col key={key} flex="1">
            <Card size="small">
              <Statistic title={FUNNEL_LABELS[key]} value={t?.[key] ?? 0} loading={loading} />
              {key === 'pendingReview' ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {oldest ? <Tooltip title={oldest.exact}>最早一条等待于 {oldest.text}</Tooltip> : '无等待中的申请'}
                </Typography.Text>
              ) : key === 'approved' ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  认证率 {percent(t?.approved ?? 0, t?.registered ?? 0)}
                </Typography.Text>
              ) : null}
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={10}>
          <Card title="认证漏斗" size="small">
            {t ? (
              <Chart
                label="认证漏斗"
                height={300}
                option={{
                  tooltip: { trigger: 'item' },
                  series: [
                    {
                      type: 'funnel',
                      sort: 'none',
                      left: '8%',
                      width: '62%',
                      label: { position: 'right', formatter: '{b}：{c}' },
                      data: [
                        { name: '已注册', value: t.registered },
                        { name: '已提交', value: t.submitted },
                        { name: '已认证', value: t.approved },
                      ],
                    },
                  ],
                }}
              />
            ) : null}
          </Card>
        </Col>
        <Col span={14}>
          <Card title={`各${rowLabel}进度`} size="small">
            {data ? (
              <Chart
                label={`各${rowLabel}进度`}
                height={300}
                option={{
                  tooltip: { trigger: 'axis' },
                  legend: { top: 0 },
                  grid: { left: 48, right: 16, top: 36, bottom: 60 },
                  xAxis: { type: 'category', data: data.rows.slice(0, 30).map((r) => r.label), axisLabel: { interval: 0, rotate: data.rows.length > 8 ? 30 : 0 } },
                  yAxis: { type: 'value' },
                  series: [
                    { name: '已认证', type: 'bar', stack: 'all', barMaxWidth: 48, data: data.rows.slice(0, 30).map((r) => r.counts.approved) },
                    { name: '待审核', type: 'bar', stack: 'all', data: data.rows.slice(0, 30).map((r) => r.counts.pendingReview) },
                    { name: '已退回', type: 'bar', stack: 'all', data: data.rows.slice(0, 30).map((r) => r.counts.returned) },
                    { name: '未提交', type: 'bar', stack: 'all', data: data.rows.slice(0, 30).map((r) => Math.max(0, r.counts.registered - r.counts.submitted)) },
                  ],
                }}
              />
            ) : null}
          </Card>
        </Col>
      </Row>
      <Card title={`各${rowLabel}明细`} size="small">
        <Table<OverviewRow>
          rowKey={(r) => r.key ?? 'none'}
          size="small"
          loading={loading}
          dataSource={data?.rows ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          onRow={(r) => ({ onClick: () => drill(r), style: data?.rowsAre !== 'school' && r.key ? { cursor: 'pointer' } : {} })}
          columns={[
            {
              title: rowLabel,
              render: (_, r) => (data?.rowsAre === 'school' && r.key ? <Link to={`/schools/${r.key}`}>{r.label}</Link> : r.key ? <Typography.Link>{r.label}</Typography.Link> : r.label),
            },
            ...(data?.rowsAre === 'school' ? [] : [{ title: '学校数', dataIndex: 'schools', align: 'right' as const }]),
            ...FUNNEL_KEYS.map((key) => ({ title: FUNNEL_LABELS[key], align: 'right' as const, render: (_: unknown, r: OverviewRow) => r.counts[key] })),
            { title: '认证率', align: 'right' as const, render: (_: unknown, r: OverviewRow) => percent(r.counts.approved, r.counts.registered) },
          ]}
        />
      </Card>
    </>
  );
}
