/**
 * The desktop admin frame: a side menu of the role's pages, a header with the
 * signed-in account (name, role, school) and sign-out, the page below.
 */
import { ApartmentOutlined, AuditOutlined, BankOutlined, DashboardOutlined, KeyOutlined, LogoutOutlined, TeamOutlined, UserOutlined, UserSwitchOutlined, WarningOutlined } from '@ant-design/icons';
import { Avatar, Button, Dropdown, Layout, Menu, Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ACCOUNT_ROLE_LABELS } from '../../../domain/api/auth';
import { useSession } from '../session';

const { Sider, Header, Content } = Layout;

export function AdminLayout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const schoolInPath = /^\/schools\/([0-9a-f-]{36})/.exec(location.pathname)?.[1];
  if (!me) return null;
  const operator = me.account.role === 'operator';
  const items = operator
    ? [
        { key: '/schools', icon: <BankOutlined />, label: '学校总览' },
        ...(schoolInPath
          ? [
              { key: `/schools/${schoolInPath}`, icon: <DashboardOutlined />, label: '学校数据概览' },
              { key: `/schools/${schoolInPath}/classes`, icon: <ApartmentOutlined />, label: '班级与班主任' },
              { key: `/schools/${schoolInPath}/teachers`, icon: <TeamOutlined />, label: '教师管理' },
            ]
          : []),
        { key: '/stranded-reviews', icon: <WarningOutlined />, label: '无人审核的申请' },
        { key: '/password', icon: <KeyOutlined />, label: '修改密码' },
      ]
    : [
        { key: '/', icon: <DashboardOutlined />, label: '数据概览' },
        { key: '/reviews', icon: <AuditOutlined />, label: '审核队列' },
        { key: '/classes', icon: <ApartmentOutlined />, label: '班级与班主任' },
        { key: '/teachers', icon: <TeamOutlined />, label: '教师管理' },
        { key: '/recovery', icon: <UserSwitchOutlined />, label: '人工找回' },
        { key: '/password', icon: <KeyOutlined />, label: '修改密码' },
      ];
  const selected =
    items.map((i) => i.key).filter((k) => location.pathname === k).at(0) ??
    items
      .map((i) => i.key)
      .filter((k) => k !== '/' && location.pathname.startsWith(`${k}/`))
      .sort((a, b) => b.length - a.length)
      .at(0) ??
    (operator ? '/schools' : '/');

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider width={216} theme="dark" breakpoint="xl" collapsedWidth={64}>
        <div className="console-brand">
          <span className="console-brand-mark">教</span>
          <span>教育卡管理后台</span>
        </div>
        <Menu theme="dark" mode="inline" selectedKeys={[selected]} items={items} onClick={({ key }) => navigate(key)} />
      </Sider>
      <Layout>
        <Header className="console-header">
          <Typography.Text strong style={{ fontSize: 15 }}>
            {operator ? '教育卡管理中心' : (me.school?.name ?? '学校')}
          </Typography.Text>
          <Space size="middle">
            <Tag color={operator ? 'purple' : 'blue'}>{ACCOUNT_ROLE_LABELS[me.account.role]}</Tag>
            <Dropdown
              menu={{
                items: [
                  { key: 'password', icon: <KeyOutlined />, label: '修改密码', onClick: () => navigate('/password') },
                  {
                    key: 'logout',
                    icon: <LogoutOutlined />,
                    label: '退出登录',
                    onClick: async () => {
                      await signOut();
                      navigate('/login', { replace: true });
                    },
                  },
                ],
              }}
            >
              <Button type="text" aria-label="当前账号">
                <Space>
                  <Avatar size="small" icon={<UserOutlined />} />
                  <span>{me.account.displayName ?? me.account.username}</span>
                </Space>
              </Button>
            </Dropdown>
            <Button
              icon={<LogoutOutlined />}
              onClick={async () => {
                await signOut();
                navigate('/login', { replace: true });
              }}
            >
              退出
            </Button>
          </Space>
        </Header>
        <Content className="console-content">{children}</Content>
      </Layout>
    </Layout>
  );
}
