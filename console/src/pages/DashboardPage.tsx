/**
 * The school's dashboard: this semester's authentication funnel (ECharts
 * funnel), the waiting and returned by grade, the classes that need attention
 * first (the longest-waiting reviews), and a warning for classes without an
 * active head teacher. Everything comes from the aggregates
 * (GET /api/console/schools/:id/funnel and /classes), a few seconds behind.
 */
import { ReloadOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Row, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import {
  FUNNEL_LABELS,
  ListConsoleClassesResponseSchema,
  SchoolFunnelResponseSchema,
  type ConsoleClass,
  type SchoolFunnelResponse,
} from '../../../domain/api/console';
import { SchoolActivityResponseSchema, type SchoolActivityResponse } from '../../../domain/api/console-school';
import { api, messageOf } from '../api/client';
import { Chart } from '../charts';
import { percent, waitingSince } from '../format';
import { useSession } from '../session';

export function DashboardPage({ schoolId }: { schoolId: string }) {
  const { me } = useSession();
  const [funnel, setFunnel] = useState<SchoolFunnelResponse | null>(null);
  const [attention, setAttention] = useState<ConsoleClass[]>([]);
  const [activity, setActivity] = useState<SchoolActivityResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const classesPath = me?.account.role === 'operator' ? `/schools/${schoolId}/classes` : '/classes';

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const [f, waiting, a] = await Promise.all([
        api.get(`/api/console/schools/${schoolId}/funnel`, SchoolFunnelResponseSchema),
        api.get(`/api/console/schools/${schoolId}/classes`, ListConsoleClassesResponseSchema, { sort: 'oldestPending', order: 'asc', pageSize: 5 }),
        api.get(`/api/console/schools/${schoolId}/activity`, SchoolActivityResponseSchema, { days: 30 }),
      ]);
      setFunnel(f);
      setActivity(a);
      setAttention(waiting.items.filter((c) => c.counts.pendingReview > 0 || c.needsHeadTeacher));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [schoolId]);

  useEffect(() => {
    void load();
  }, [load]);

  const t = funnel?.totals;
  const oldest = waitingSince(t?.oldestPendingSince ?? null);
  const funnelSteps = t
    ? [
        { name: FUNNEL_LABELS.registered, value: t.registered },
        { name: FUNNEL_LABELS.submitted, value: t.submitted },
        { name: FUNNEL_LABELS.approved, value: t.approved },
        { name: FUNNEL_LABELS.autoApproved, value: t.autoApproved },
      ]
    : [];

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }} align="center">
        <div>
          <h1 className="console-page-title" style={{ marginBottom: 4 }}>
            {funnel ? `${funnel.school.name} · 认证进度` : '认证进度'}
          </h1>
          <Typography.Text type="secondary">
            {funnel?.semester ? `${funnel.semester.name}` : '尚未开启学期'}
            {funnel?.updatedAt ? ` · 数据更新于 ${new Date(funnel.updatedAt).toLocaleString('zh-CN', { hour12: false })}（审核结果约数秒后计入）` : ''}
          </Typography.Text>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => void load()} loading={loading}>
          刷新
        </Button>
      </Space>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      {funnel && funnel.orphanClasses > 0 ? (
        <Alert
          type="warning"
          showIcon
          icon={<WarningOutlined />}
          style={{ marginBottom: 16 }}
          message={`有 ${funnel.orphanClasses} 个班级没有在职班主任，这些班级的待审核申请由学校管理员处理。`}
          action={
            <Link to={`${classesPath}?headTeacher=missing`}>
              <Button size="small" type="primary">
                去指定班主任
              </Button>
            </Link>
          }
        />
      ) : null}
      <Row gutter={[16, 16]}>
        {(
          [
            ['registered', t?.registered],
            ['submitted', t?.submitted],
            ['autoApproved', t?.autoApproved],
            ['pendingReview', t?.pendingReview],
            ['returned', t?.returned],
            ['approved', t?.approved],
            ['reconfirmOutstanding', t?.reconfirmOutstanding],
          ] as const
        ).map(([key, value]) => (
          <Col key={key} flex="1 1 0">
            <Card size="small" loading={loading && !funnel}>
              <Statistic title={FUNNEL_LABELS[key]} value={value ?? 0} valueStyle={key === 'pendingReview' && (value ?? 0) > 0 ? { color: '#d46b08' } : undefined} />
              {key === 'pendingReview' ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {oldest ? <Tooltip title={oldest.exact}>最早一条等待于 {oldest.text}</Tooltip> : '无等待中的申请'}
                </Typography.Text>
              ) : key === 'approved' ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  认证率 {percent(t?.approved ?? 0, t?.registered ?? 0)}
                </Typography.Text>
              ) : (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  &nbsp;
                </Typography.Text>
              )}
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col span={10}>
          <Card title="认证漏斗" size="small">
            {t && t.registered > 0 ? (
              <Chart
                label="认证漏斗"
                height={320}
                option={{
                  tooltip: { trigger: 'item', formatter: '{b}：{c} 人' },
                  series: [
                    {
                      type: 'funnel',
                      sort: 'descending',
                      left: '8%',
                      width: '84%',
                      minSize: '12%',
                      gap: 2,
                      label: { show: true, position: 'inside', formatter: '{b}\n{c} 人' },
                      data: funnelSteps,
                    },
                  ],
                }}
              />
            ) : (
              <Empty style={{ height: 320, paddingTop: 100 }} description="本学期还没有家长注册" />
            )}
          </Card>
        </Col>
        <Col span={14}>
          <Card title="各年级进度" size="small">
            {funnel && funnel.grades.length > 0 ? (
              <Chart
                label="各年级进度"
                height={320}
                option={{
                  tooltip: { trigger: 'axis' },
                  legend: { top: 0 },
                  grid: { left: 48, right: 16, top: 40, bottom: 32 },
                  xAxis: { type: 'category', data: funnel.grades.map((g) => g.gradeLabel) },
                  yAxis: { type: 'value', minInterval: 1 },
                  series: (['approved', 'pendingReview', 'returned', 'reconfirmOutstanding'] as const).map((key) => ({
                    name: FUNNEL_LABELS[key],
                    type: 'bar' as const,
                    stack: 'status',
                    data: funnel.grades.map((g) => g.counts[key]),
                  })),
                  color: ['#52c41a', '#fa8c16', '#f5222d', '#722ed1'],
                }}
              />
            ) : (
              <Empty style={{ height: 320, paddingTop: 100 }} description="还没有班级" />
            )}
          </Card>
        </Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col span={15}>
          <Card title="近 30 天每日提交与审核" size="small">
            <Chart
              label="每日提交与审核"
              height={300}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { top: 0 },
                grid: { left: 40, right: 16, top: 40, bottom: 28 },
                xAxis: { type: 'category', data: (activity?.days ?? []).map((d) => d.date.slice(5)) },
                yAxis: { type: 'value', minInterval: 1 },
                color: ['#1765d8', '#13c2c2', '#52c41a', '#f5222d'],
                series: [
                  { name: '提交', type: 'line', smooth: true, data: (activity?.days ?? []).map((d) => d.submitted) },
                  { name: '自动通过', type: 'bar', stack: 'decided', data: (activity?.days ?? []).map((d) => d.autoApproved) },
                  { name: '人工通过', type: 'bar', stack: 'decided', data: (activity?.days ?? []).map((d) => d.approved) },
                  { name: '退回', type: 'bar', stack: 'decided', data: (activity?.days ?? []).map((d) => d.returned) },
                ],
              }}
            />
          </Card>
        </Col>
        <Col span={9}>
          <Card title="人工审核用时分布（近 30 天）" size="small">
            {activity && activity.decisionTime.some((b) => b.count > 0) ? (
              <Chart
                label="审核用时分布"
                height={300}
                option={{
                  tooltip: { trigger: 'axis', formatter: '{b}：{c} 条' },
                  grid: { left: 40, right: 16, top: 24, bottom: 28 },
                  xAxis: { type: 'category', data: activity.decisionTime.map((b) => b.label) },
                  yAxis: { type: 'value', minInterval: 1 },
                  series: [{ type: 'bar', barWidth: '50%', data: activity.decisionTime.map((b) => b.count), itemStyle: { color: '#fa8c16' } }],
                }}
              />
            ) : (
              <Empty style={{ height: 300, paddingTop: 90 }} description="近 30 天没有人工审核" />
            )}
          </Card>
        </Col>
      </Row>
      <Card title="需要优先处理的班级" size="small" style={{ marginTop: 16 }} extra={<Link to={classesPath}>全部班级</Link>}>
        <Table<ConsoleClass>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={attention}
          loading={loading}
          locale={{ emptyText: '没有等待审核的班级' }}
          columns={[
            { title: '班级', render: (_, c) => `${c.gradeLabel}${c.name}` },
            {
              title: '班主任',
              render: (_, c) => (c.needsHeadTeacher ? <Tag color="error">无在职班主任</Tag> : (c.headTeacher?.displayName ?? c.headTeacher?.username)),
            },
            { title: '待审核', dataIndex: ['counts', 'pendingReview'] },
            {
              title: '最早等待',
              render: (_, c) => {
                const w = waitingSince(c.counts.oldestPendingSince);
                return w ? <Tooltip title={w.exact}>{w.text}</Tooltip> : '—';
              },
            },
            { title: '已退回', dataIndex: ['counts', 'returned'] },
            { title: '认证率', render: (_, c) => percent(c.counts.approved, c.counts.registered) },
          ]}
        />
      </Card>
      <Card title="各年级明细" size="small" style={{ marginTop: 16 }}>
        <Table
          rowKey="grade"
          size="small"
          pagination={false}
          dataSource={funnel?.grades ?? []}
          columns={[
            { title: '年级', dataIndex: 'gradeLabel' },
            { title: '班级数', dataIndex: 'classes' },
            ...(['registered', 'submitted', 'autoApproved', 'pendingReview', 'returned', 'approved', 'reconfirmOutstanding'] as const).map((key) => ({
              title: FUNNEL_LABELS[key],
              render: (_: unknown, g: SchoolFunnelResponse['grades'][number]) => g.counts[key],
            })),
          ]}
        />
      </Card>
    </>
  );
}
