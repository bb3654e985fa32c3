/**
 * Classes and their head teachers: a server-side paged, filtered (grade,
 * missing head teacher) and sorted table; classes without an active head
 * teacher are flagged (their reviews come to the school admin). 指定班主任
 * opens a teacher picker (the school's active teachers, searched by the
 * server); the class's waiting reviews then move to the new head teacher,
 * who is told.
 */
import { TeamOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Modal, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useQueryState } from '../useQueryState';
import {
  AssignHeadTeacherResponseSchema,
  ListConsoleClassesResponseSchema,
  ListConsoleTeachersResponseSchema,
  type ClassSort,
  type ConsoleClass,
  type ConsoleTeacher,
  type ListConsoleClassesResponse,
} from '../../../domain/api/console';
import { GRADE_LABELS, GRADES } from '../../../domain/profile/schemas';
import { api, messageOf } from '../api/client';
import { percent, waitingSince } from '../format';

const SORT_KEYS: Record<string, ClassSort> = { grade: 'grade', pendingReview: 'pendingReview', oldestPending: 'oldestPending', approvedRate: 'approvedRate' };

function teacherLabel(t: ConsoleTeacher): string {
  return `${t.displayName ?? t.username ?? '未命名'}${t.username ? `（${t.username}）` : ''}${t.phoneMasked ? ` ${t.phoneMasked}` : ''}`;
}

function AssignDialog({ schoolId, klass, onClose, onAssigned }: { schoolId: string; klass: ConsoleClass; onClose: () => void; onAssigned: () => void }) {
  const { message } = App.useApp();
  const [options, setOptions] = useState<ConsoleTeacher[]>([]);
  const [searching, setSearching] = useState(false);
  const [teacherId, setTeacherId] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const search = useCallback(
    (q: string) => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(async () => {
        setSearching(true);
        try {
          const page = await api.get(`/api/console/schools/${schoolId}/teachers`, ListConsoleTeachersResponseSchema, { q: q.trim(), status: 'active', pageSize: 20 });
          setOptions(page.items);
        } catch (err) {
          message.error(messageOf(err));
        } finally {
          setSearching(false);
        }
      }, 250);
    },
    [schoolId, message],
  );

  useEffect(() => {
    search('');
  }, [search]);

  async function save() {
    if (!teacherId) return;
    setSaving(true);
    try {
      const result = await api.put(`/api/console/schools/${schoolId}/classes/${klass.id}/head-teacher`, AssignHeadTeacherResponseSchema, { teacherId });
      const name = result.class.headTeacher?.displayName ?? '该教师';
      message.success(result.movedReviews > 0 ? `已指定 ${name} 为班主任，${result.movedReviews} 条待审核申请已转给 ${name}` : `已指定 ${name} 为班主任`);
      onAssigned();
    } catch (err) {
      message.error(messageOf(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal open title={`指定班主任 · ${klass.gradeLabel}${klass.name}`} okText="确定" cancelText="取消" onOk={save} okButtonProps={{ disabled: !teacherId, loading: saving }} onCancel={onClose} destroyOnHidden>
      <Space direction="vertical" style={{ width: '100%' }}>
        {klass.counts.pendingReview > 0 ? (
          <Alert type="info" showIcon message={`本班有 ${klass.counts.pendingReview} 条待审核申请，指定后将转给新班主任审核，并通知该班主任。`} />
        ) : null}
        <Typography.Text>选择本校在职教师（可按姓名或用户名搜索）</Typography.Text>
        <Select
          showSearch
          aria-label="选择教师"
          style={{ width: '100%' }}
          placeholder="输入姓名或用户名搜索"
          filterOption={false}
          onSearch={search}
          loading={searching}
          value={teacherId}
          onChange={setTeacherId}
          options={options.map((t) => ({ value: t.id, label: teacherLabel(t) }))}
          notFoundContent={searching ? '搜索中…' : '没有匹配的在职教师'}
        />
      </Space>
    </Modal>
  );
}

export function ClassesPage({ schoolId }: { schoolId: string }) {
  const navigate = useNavigate();
  const location = useLocation();
  const [params, update] = useQueryState();
  const [data, setData] = useState<ListConsoleClassesResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [assigning, setAssigning] = useState<ConsoleClass | null>(null);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const grade = params.get('grade') ?? undefined;
  const headTeacher = params.get('headTeacher') ?? undefined;
  const sort = params.get('sort') ?? 'grade';
  const order = params.get('order') ?? 'asc';

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get(`/api/console/schools/${schoolId}/classes`, ListConsoleClassesResponseSchema, { page, pageSize, grade, headTeacher, sort, order }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [schoolId, page, pageSize, grade, headTeacher, sort, order]);

  useEffect(() => {
    void load();
  }, [load]);


  const onTableChange = (pagination: TablePaginationConfig, _filters: unknown, sorter: SorterResult<ConsoleClass> | SorterResult<ConsoleClass>[]) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = s?.order ? SORT_KEYS[String(s.columnKey)] : undefined;
    update({
      page: String(pagination.current ?? 1),
      pageSize: String(pagination.pageSize ?? 20),
      sort: key,
      order: key ? (s?.order === 'descend' ? 'desc' : 'asc') : undefined,
    });
  };

  const sortOrder = (key: ClassSort) => (sort === key ? (order === 'desc' ? ('descend' as const) : ('ascend' as const)) : null);

  return (
    <>
      <h1 className="console-page-title">班级与班主任</h1>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ marginBottom: 12 }} wrap>
          <Select
            aria-label="年级"
            allowClear
            placeholder="全部年级"
            style={{ width: 140 }}
            value={grade ?? null}
            onChange={(v) => update({ grade: v ?? undefined, page: '1' })}
            options={GRADES.map((g) => ({ value: g, label: GRADE_LABELS[g] }))}
          />
          <Select
            aria-label="班主任"
            allowClear
            placeholder="班主任：全部"
            style={{ width: 200 }}
            value={headTeacher ?? null}
            onChange={(v) => update({ headTeacher: v ?? undefined, page: '1' })}
            options={[
              { value: 'missing', label: '无在职班主任' },
              { value: 'assigned', label: '已有班主任' },
            ]}
          />
          <Typography.Text type="secondary">无在职班主任的班级，其待审核申请由学校管理员处理。</Typography.Text>
        </Space>
        <Table<ConsoleClass>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          onChange={onTableChange}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [10, 20, 50], showTotal: (total) => `共 ${total} 个班级` }}
          rowClassName={(c) => (c.needsHeadTeacher ? 'console-row-warning' : '')}
          columns={[
            { key: 'grade', title: '年级', sorter: true, sortOrder: sortOrder('grade'), render: (_, c) => c.gradeLabel, width: 100 },
            { title: '班级', dataIndex: 'name', width: 90 },
            {
              title: '班主任',
              render: (_, c) =>
                c.needsHeadTeacher ? (
                  <Space size={4}>
                    <Tag color="error">无在职班主任</Tag>
                    {c.headTeacher ? <Typography.Text type="secondary">{`${c.headTeacher.displayName ?? ''}（${c.headTeacher.status === 'disabled' ? '已停用' : '未激活'}）`}</Typography.Text> : null}
                  </Space>
                ) : (
                  <span>{c.headTeacher?.displayName ?? c.headTeacher?.username}</span>
                ),
            },
            { title: '已注册', render: (_, c) => c.counts.registered, align: 'right', width: 80 },
            { title: '已提交', render: (_, c) => c.counts.submitted, align: 'right', width: 80 },
            { key: 'pendingReview', title: '待审核', sorter: true, sortOrder: sortOrder('pendingReview'), render: (_, c) => (c.counts.pendingReview > 0 ? <Typography.Text strong style={{ color: '#d46b08' }}>{c.counts.pendingReview}</Typography.Text> : 0), align: 'right', width: 90 },
            {
              key: 'oldestPending',
              title: '最早等待',
              sorter: true,
              sortOrder: sortOrder('oldestPending'),
              render: (_, c) => {
                const w = waitingSince(c.counts.oldestPendingSince);
                return w ? <Tooltip title={w.exact}>{w.text}</Tooltip> : '—';
              },
              width: 110,
            },
            { title: '已退回', render: (_, c) => c.counts.returned, align: 'right', width: 80 },
            { title: '已认证', render: (_, c) => c.counts.approved, align: 'right', width: 80 },
            { key: 'approvedRate', title: '认证率', sorter: true, sortOrder: sortOrder('approvedRate'), render: (_, c) => percent(c.counts.approved, c.counts.registered), align: 'right', width: 90 },
            { title: '待重新确认', render: (_, c) => c.counts.reconfirmOutstanding, align: 'right', width: 100 },
            {
              title: '操作',
              width: 210,
              render: (_, c) => (
                <Space size={6}>
                  <Button size="small" type={c.needsHeadTeacher ? 'primary' : 'default'} icon={<UserSwitchOutlined />} onClick={() => setAssigning(c)}>
                    {c.needsHeadTeacher ? '指定班主任' : '更换班主任'}
                  </Button>
                  <Button size="small" icon={<TeamOutlined />} onClick={() => navigate(`${location.pathname}/${c.id}/students`)}>
                    学生名单
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {assigning ? (
        <AssignDialog
          schoolId={schoolId}
          klass={assigning}
          onClose={() => setAssigning(null)}
          onAssigned={() => {
            setAssigning(null);
            void load();
          }}
        />
      ) : null}
    </>
  );
}
