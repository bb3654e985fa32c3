/**
 * 学籍导入 (operators): upload a registry export (CSV or XLSX); the file streams
 * into storage and a worker imports it while this page shows its progress
 * (polled), then its counts and the problems report to download; below, the
 * history of imports, server-side paged.
 */
import { CloudUploadOutlined, DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Checkbox, Descriptions, Progress, Space, Table, Tag, Typography, Upload, message } from 'antd';
import type { TablePaginationConfig } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ListRegistryImportsResponseSchema,
  REGISTRY_IMPORT_STATUS_LABELS,
  RegistryImportViewSchema,
  type RegistryImportView,
} from '../../../domain/api/uploads';
import { api, download, messageOf } from '../api/client';

const POLL_MS = 1000;
const STATUS_COLORS: Record<RegistryImportView['status'], string> = { queued: 'default', running: 'processing', succeeded: 'success', failed: 'error' };

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
const time = (iso: string | null) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm:ss') : '—');
const finished = (view: RegistryImportView) => view.status === 'succeeded' || view.status === 'failed';

function ImportResult({ view, onDownload }: { view: RegistryImportView; onDownload: (view: RegistryImportView) => void }) {
  const counts = view.counts;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Progress
        aria-label="导入进度"
        percent={view.percent}
        status={view.status === 'failed' ? 'exception' : view.status === 'succeeded' ? 'success' : 'active'}
      />
      <Typography.Text type="secondary">
        {view.fileName}（{fileSize(view.fileSize)}）{view.dryRun ? '· 试运行，不写入学籍库' : ''} · {REGISTRY_IMPORT_STATUS_LABELS[view.status]}
        {view.status === 'running' ? ` · 已读取 ${view.rowsRead.toLocaleString('zh-CN')} 行` : ''}
      </Typography.Text>
      {view.error ? <Alert type={view.status === 'failed' ? 'error' : 'warning'} showIcon message={view.error} /> : null}
      {counts ? (
        <Descriptions size="small" bordered column={4}>
          <Descriptions.Item label="读取行数">{counts.rowsRead}</Descriptions.Item>
          <Descriptions.Item label={view.dryRun ? '可导入' : '已导入'}>{counts.rowsValid}</Descriptions.Item>
          <Descriptions.Item label="未导入（有问题）">{counts.rowsRejected}</Descriptions.Item>
          <Descriptions.Item label="需核实">{counts.warnings}</Descriptions.Item>
          <Descriptions.Item label="新增">{counts.inserted}</Descriptions.Item>
          <Descriptions.Item label="更新">{counts.updated}</Descriptions.Item>
          <Descriptions.Item label="未变化">{counts.unchanged}</Descriptions.Item>
          <Descriptions.Item label="新建学校 / 班级">
            {counts.schoolsCreated} / {counts.classesCreated}
          </Descriptions.Item>
        </Descriptions>
      ) : null}
      {view.hasReport ? (
        <Button icon={<DownloadOutlined />} onClick={() => onDownload(view)}>
          下载问题清单（{counts?.problemCount ?? 0} 条）
        </Button>
      ) : finished(view) && view.status === 'succeeded' ? (
        <Typography.Text type="success">文件中没有发现问题</Typography.Text>
      ) : null}
    </Space>
  );
}

export function RegistryImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [current, setCurrent] = useState<RegistryImportView | null>(null);
  const [history, setHistory] = useState<{ items: RegistryImportView[]; total: number } | null>(null);
  const [page, setPage] = useState({ current: 1, pageSize: 10 });
  const [toast, toastHolder] = message.useMessage();
  const poll = useRef<number | undefined>(undefined);

  const loadHistory = useCallback(async () => {
    try {
      const data = await api.get('/api/console/registry-imports', ListRegistryImportsResponseSchema, { page: page.current, pageSize: page.pageSize });
      setHistory({ items: data.items, total: data.total });
    } catch (err) {
      setError(messageOf(err));
    }
  }, [page]);

  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  // Poll the import in progress until it has finished.
  useEffect(() => {
    if (!current || finished(current)) return undefined;
    poll.current = window.setTimeout(async () => {
      try {
        const next = await api.get(`/api/console/registry-imports/${current.id}`, RegistryImportViewSchema);
        setCurrent(next);
        if (finished(next)) void loadHistory();
      } catch (err) {
        setError(messageOf(err));
      }
    }, POLL_MS);
    return () => window.clearTimeout(poll.current);
  }, [current, loadHistory]);

  const start = async () => {
    if (!file) return;
    setUploading(true);
    setError(null);
    try {
      const view = await api.upload('/api/console/registry-imports', RegistryImportViewSchema, file, { fileName: file.name, dryRun });
      setCurrent(view);
      setFile(null);
      void loadHistory();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setUploading(false);
    }
  };

  const downloadReport = async (view: RegistryImportView) => {
    try {
      const name = await download(`/api/console/registry-imports/${view.id}/report`, '学籍导入问题清单.csv');
      void toast.success(`已下载 ${name}`);
    } catch (err) {
      void toast.error(messageOf(err));
    }
  };

  const onTableChange = (p: TablePaginationConfig) => setPage({ current: p.current ?? 1, pageSize: p.pageSize ?? 10 });

  return (
    <>
      {toastHolder}
      <h1 className="console-page-title">学籍导入</h1>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Card size="small" title="上传学籍库导出文件">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Upload.Dragger
              accept=".csv,.xlsx"
              multiple={false}
              maxCount={1}
              showUploadList={false}
              beforeUpload={(f) => {
                setFile(f);
                setError(null);
                return false;
              }}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{file ? `已选择：${file.name}（${fileSize(file.size)}）` : '点击或将文件拖到这里'}</p>
              <p className="ant-upload-hint">支持 CSV（UTF-8 或 GBK）和 Excel（.xlsx），第一行为列名：学籍号、姓名、身份证号、学校标识码、学校名称、年级、班级等</p>
            </Upload.Dragger>
            <Space>
              <Checkbox checked={dryRun} onChange={(e) => setDryRun(e.target.checked)}>
                试运行（只检查并统计，不写入学籍库）
              </Checkbox>
              <Button type="primary" icon={<CloudUploadOutlined />} disabled={!file} loading={uploading} onClick={() => void start()}>
                {dryRun ? '开始检查' : '开始导入'}
              </Button>
            </Space>
            {error ? <Alert type="error" showIcon message={error} /> : null}
            <Typography.Text type="secondary">有问题的行不会导入，并列在问题清单中（行号、列、原因）；其余行照常导入。</Typography.Text>
          </Space>
        </Card>

        {current ? (
          <Card size="small" title="本次导入">
            <ImportResult view={current} onDownload={(v) => void downloadReport(v)} />
          </Card>
        ) : null}

        <Card size="small" title="导入记录">
          <Table<RegistryImportView>
            rowKey="id"
            size="small"
            loading={!history}
            dataSource={(history?.items ?? []).map((item) => (current && item.id === current.id ? current : item))}
            pagination={{ current: page.current, pageSize: page.pageSize, total: history?.total ?? 0, showTotal: (t) => `共 ${t} 次` }}
            onChange={onTableChange}
            columns={[
              { title: '上传时间', dataIndex: 'createdAt', width: 170, render: (v: string) => time(v) },
              { title: '文件', dataIndex: 'fileName', render: (v: string, r) => `${v}（${fileSize(r.fileSize)}）` },
              { title: '方式', dataIndex: 'dryRun', width: 80, render: (v: boolean) => (v ? '试运行' : '导入') },
              { title: '状态', dataIndex: 'status', width: 90, render: (v: RegistryImportView['status']) => <Tag color={STATUS_COLORS[v]}>{REGISTRY_IMPORT_STATUS_LABELS[v]}</Tag> },
              { title: '读取行数', key: 'rows', width: 100, align: 'right', render: (_: unknown, r) => (r.counts?.rowsRead ?? r.rowsRead).toLocaleString('zh-CN') },
              { title: '导入 / 未导入', key: 'valid', width: 120, align: 'right', render: (_: unknown, r) => (r.counts ? `${r.counts.rowsValid} / ${r.counts.rowsRejected}` : '—') },
              { title: '上传人', dataIndex: 'createdBy', width: 120, render: (v: string | null) => v ?? '—' },
              { title: '完成时间', dataIndex: 'finishedAt', width: 170, render: (v: string | null) => time(v) },
              {
                title: '操作',
                key: 'actions',
                width: 160,
                render: (_: unknown, r) => (
                  <Space>
                    <Button size="small" type="link" onClick={() => setCurrent(r)}>
                      查看
                    </Button>
                    {r.hasReport ? (
                      <Button size="small" type="link" onClick={() => void downloadReport(r)}>
                        问题清单
                      </Button>
                    ) : null}
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      </Space>
    </>
  );
}
