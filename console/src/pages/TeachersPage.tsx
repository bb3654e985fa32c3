/**
 * The school's teachers: a server-side paged table (search by name or
 * username, filter by activation status), 添加教师 (one teacher, the rules of
 * a teachers-file row), 导入教师名单 (upload a CSV; the server checks it first
 * and shows every problem, row and column, before anything is written; only a
 * clean report can be imported), 停用, 重发激活短信.
 */
import { InboxOutlined, MessageOutlined, PlusOutlined, StopOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Result, Select, Space, Steps, Table, Tag, Typography, Upload } from 'antd';
import type { TablePaginationConfig } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useQueryState } from '../useQueryState';
import { ListConsoleTeachersResponseSchema, type ConsoleTeacher, type ListConsoleTeachersResponse } from '../../../domain/api/console';
import {
  ActivationSmsResponseSchema,
  AddTeacherResponseSchema,
  DisableTeacherResponseSchema,
  MAX_TEACHER_FILE_BYTES,
  TeacherImportResponseSchema,
  type TeacherImportResponse,
} from '../../../domain/api/console-school';
import { api, fieldMessages, messageOf } from '../api/client';

const STATUS_TAGS: Record<ConsoleTeacher['status'], { color: string; label: string }> = {
  active: { color: 'success', label: '已激活' },
  pending_activation: { color: 'warning', label: '待激活' },
  disabled: { color: 'default', label: '已停用' },
};

function toBase64(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

function summaryText(summary: NonNullable<TeacherImportResponse['summary']>): string {
  return `新增教师 ${summary.teachersCreated} 人，更新 ${summary.teachersUpdated} 人，无变化 ${summary.teachersUnchanged} 人，新建班级 ${summary.classesCreated} 个`;
}

function ImportDialog({ schoolId, onClose, onImported }: { schoolId: string; onClose: () => void; onImported: () => void }) {
  const { message } = App.useApp();
  const [file, setFile] = useState<{ name: string; base64: string } | null>(null);
  const [report, setReport] = useState<TeacherImportResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<TeacherImportResponse | null>(null);

  async function check(next: { name: string; base64: string }) {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await api.post(`/api/console/schools/${schoolId}/teachers/import`, TeacherImportResponseSchema, { fileName: next.name, contentBase64: next.base64, dryRun: true }));
    } catch (err) {
      setError(Object.values(fieldMessages(err))[0] ?? messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function commit() {
    if (!file) return;
    setBusy(true);
    try {
      const result = await api.post(`/api/console/schools/${schoolId}/teachers/import`, TeacherImportResponseSchema, { fileName: file.name, contentBase64: file.base64, dryRun: false });
      if (result.ok) {
        setDone(result);
        message.success('教师名单已导入');
        onImported();
      } else setReport(result);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const step = done ? 2 : report ? 1 : 0;
  return (
    <Modal
      open
      width={820}
      title="导入教师名单"
      onCancel={onClose}
      destroyOnHidden
      footer={
        done ? (
          <Button type="primary" onClick={onClose}>
            完成
          </Button>
        ) : (
          <Space>
            <Button onClick={onClose}>取消</Button>
            <Button type="primary" icon={<UploadOutlined />} disabled={!report?.ok} loading={busy && !!report} onClick={() => void commit()}>
              确认导入
            </Button>
          </Space>
        )
      }
    >
      <Steps size="small" current={step} style={{ margin: '8px 0 20px' }} items={[{ title: '选择文件' }, { title: '检查结果' }, { title: '导入完成' }]} />
      {done?.summary ? (
        <Result status="success" title="导入完成" subTitle={summaryText(done.summary)} />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Upload.Dragger
            accept=".csv"
            maxCount={1}
            showUploadList={file ? { showRemoveIcon: false } : false}
            fileList={file ? [{ uid: '1', name: file.name, status: 'done' }] : []}
            beforeUpload={async (f) => {
              if (f.size > MAX_TEACHER_FILE_BYTES) {
                setError(`文件不能超过 ${MAX_TEACHER_FILE_BYTES / 1024} KB`);
                return Upload.LIST_IGNORE;
              }
              const next = { name: f.name, base64: toBase64(await f.arrayBuffer()) };
              setFile(next);
              void check(next);
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">点击或拖入教师名单（CSV，UTF-8 或 Excel 另存的 GBK 均可）</p>
            <p className="ant-upload-hint">
              列：姓名、手机号、身份证号、学校标识码、学校名称、任教班级、班主任班级（可空）。先检查，确认无误后才写入；有任何问题则不导入任何数据。
            </p>
          </Upload.Dragger>
          {busy && !report ? <Alert type="info" showIcon message="正在检查文件…" /> : null}
          {error ? <Alert type="error" showIcon message={error} /> : null}
          {report && report.ok && report.summary ? (
            <Alert type="success" showIcon message={`检查通过：共 ${report.dataRows} 行，未发现问题`} description={`确认导入后将${summaryText(report.summary)}。`} />
          ) : null}
          {report && !report.ok ? (
            <>
              <Alert
                type="error"
                showIcon
                message={`发现 ${report.problems.length} 个问题，未导入任何数据`}
                description="请在表格中修改下列行后重新上传。"
              />
              <Table
                size="small"
                rowKey={(p) => `${p.row}-${p.column}-${p.message}`}
                pagination={report.problems.length > 10 ? { pageSize: 10 } : false}
                dataSource={report.problems}
                columns={[
                  { title: '行号', dataIndex: 'row', width: 80, render: (row: number) => (row > 0 ? `第 ${row} 行` : '文件') },
                  { title: '列', dataIndex: 'column', width: 120, render: (c: string) => c || '—' },
                  { title: '问题', dataIndex: 'message' },
                ]}
              />
            </>
          ) : null}
        </Space>
      )}
    </Modal>
  );
}

function AddDialog({ schoolId, onClose, onAdded }: { schoolId: string; onClose: () => void; onAdded: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);

  async function save() {
    const values = (await form.validateFields()) as Record<string, string | undefined>;
    setSaving(true);
    try {
      const body = { name: values.name ?? '', phone: values.phone ?? '', residentId: values.residentId ?? '', classes: values.classes ?? '', ...(values.headClass ? { headClass: values.headClass } : {}) };
      const result = await api.post(`/api/console/schools/${schoolId}/teachers`, AddTeacherResponseSchema, body);
      message.success(`已添加 ${result.teacher.displayName ?? ''}，请通知其用登记的手机号激活账号`);
      onAdded();
    } catch (err) {
      const fields = fieldMessages(err);
      if (Object.keys(fields).length > 0) form.setFields(Object.entries(fields).map(([name, msg]) => ({ name, errors: [msg] })));
      else message.error(messageOf(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal open title="添加教师" okText="添加" cancelText="取消" onOk={() => void save()} okButtonProps={{ loading: saving }} onCancel={onClose} destroyOnHidden>
      <Form form={form} layout="vertical" requiredMark>
        <Form.Item name="name" label="姓名" rules={[{ required: true, message: '请填写姓名' }]}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="phone" label="手机号" rules={[{ required: true, message: '请填写手机号' }]} extra="教师用此手机号接收激活短信并激活账号">
          <Input maxLength={20} />
        </Form.Item>
        <Form.Item name="residentId" label="身份证号" rules={[{ required: true, message: '请填写身份证号' }]}>
          <Input maxLength={24} />
        </Form.Item>
        <Form.Item name="classes" label="任教班级" rules={[{ required: true, message: '请填写任教班级' }]} extra="多个班级用顿号分隔，如：三年级1班、三年级2班">
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="headClass" label="班主任班级" extra="可不填；填写后该班的待审核申请由其审核">
          <Input maxLength={20} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function TeachersPage({ schoolId }: { schoolId: string }) {
  const { message } = App.useApp();
  const [params, update] = useQueryState();
  const [data, setData] = useState<ListConsoleTeachersResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'add' | 'import' | null>(null);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const status = params.get('status') ?? undefined;
  const q = params.get('q') ?? undefined;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setData(await api.get(`/api/console/schools/${schoolId}/teachers`, ListConsoleTeachersResponseSchema, { page, pageSize, status, q }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }, [schoolId, page, pageSize, status, q]);

  useEffect(() => {
    void load();
  }, [load]);


  async function disable(t: ConsoleTeacher) {
    try {
      const result = await api.post(`/api/console/schools/${schoolId}/teachers/${t.id}/disable`, DisableTeacherResponseSchema);
      message.success(result.movedReviews > 0 ? `已停用，其 ${result.movedReviews} 条待审核申请已转由学校管理员处理` : '已停用');
      void load();
    } catch (err) {
      message.error(messageOf(err));
    }
  }

  async function invite(t: ConsoleTeacher) {
    try {
      const result = await api.post(`/api/console/schools/${schoolId}/teachers/${t.id}/activation-sms`, ActivationSmsResponseSchema);
      message.success(`激活短信已发送至 ${result.phoneMasked}`);
    } catch (err) {
      message.error(messageOf(err));
    }
  }

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <h1 className="console-page-title" style={{ margin: 0 }}>
          教师管理
        </h1>
        <Space>
          <Button icon={<PlusOutlined />} onClick={() => setDialog('add')}>
            添加教师
          </Button>
          <Button type="primary" icon={<UploadOutlined />} onClick={() => setDialog('import')}>
            导入教师名单
          </Button>
        </Space>
      </Space>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ marginBottom: 12 }} wrap>
          <Input.Search aria-label="搜索教师" placeholder="姓名或用户名" allowClear defaultValue={q} style={{ width: 240 }} onSearch={(v) => update({ q: v.trim() || undefined, page: '1' })} />
          <Select
            aria-label="激活状态"
            allowClear
            placeholder="激活状态：全部"
            style={{ width: 160 }}
            value={status ?? null}
            onChange={(v) => update({ status: v ?? undefined, page: '1' })}
            options={Object.entries(STATUS_TAGS).map(([value, t]) => ({ value, label: t.label }))}
          />
        </Space>
        <Table<ConsoleTeacher>
          rowKey="id"
          size="middle"
          loading={loading}
          dataSource={data?.items ?? []}
          onChange={(p: TablePaginationConfig) => update({ page: String(p.current ?? 1), pageSize: String(p.pageSize ?? 20) })}
          pagination={{ current: page, pageSize, total: data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [10, 20, 50], showTotal: (total) => `共 ${total} 名教师` }}
          columns={[
            { title: '姓名', render: (_, t) => t.displayName ?? '—' },
            { title: '用户名', render: (_, t) => t.username ?? <Typography.Text type="secondary">未激活</Typography.Text> },
            { title: '手机号', render: (_, t) => t.phoneMasked ?? '—' },
            { title: '激活状态', render: (_, t) => <Tag color={STATUS_TAGS[t.status].color}>{STATUS_TAGS[t.status].label}</Tag> },
            {
              title: '操作',
              width: 240,
              render: (_, t) => (
                <Space>
                  {t.status === 'pending_activation' ? (
                    <Button size="small" icon={<MessageOutlined />} onClick={() => void invite(t)}>
                      重发激活短信
                    </Button>
                  ) : null}
                  {t.status !== 'disabled' ? (
                    <Popconfirm
                      title={`停用 ${t.displayName ?? '该教师'}？`}
                      description="停用后其立即退出登录；其担任班主任的班级的待审核申请转由学校管理员处理。"
                      okText="停用"
                      cancelText="取消"
                      okButtonProps={{ danger: true }}
                      onConfirm={() => disable(t)}
                    >
                      <Button size="small" danger icon={<StopOutlined />}>
                        停用
                      </Button>
                    </Popconfirm>
                  ) : null}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Descriptions size="small" style={{ marginTop: 12 }} column={1} items={[{ key: 'tip', label: '说明', children: '新导入或添加的教师为“待激活”，需在小程序登录页“教师账号激活”中用登记的手机号验证后设置用户名和密码。' }]} />
      {dialog === 'import' ? <ImportDialog schoolId={schoolId} onClose={() => setDialog(null)} onImported={() => void load()} /> : null}
      {dialog === 'add' ? (
        <AddDialog
          schoolId={schoolId}
          onClose={() => setDialog(null)}
          onAdded={() => {
            setDialog(null);
            void load();
          }}
        />
      ) : null}
    </>
  );
}
