/** The password change; the only page of an account whose password was generated, until it is changed. */
import { Alert, App, Button, Card, Form, Input } from 'antd';
import { useNavigate } from 'react-router-dom';
import { ConsoleMeResponseSchema } from '../../../domain/api/console';
import { api, fieldMessages, messageOf } from '../api/client';
import { useSession } from '../session';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

export function PasswordPage() {
  const { me, refresh } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();

  async function submit(values: Values) {
    try {
      await api.post('/api/console/auth/password', ConsoleMeResponseSchema, { currentPassword: values.currentPassword, newPassword: values.newPassword });
      message.success('密码已修改，其他设备上的登录已退出');
      await refresh();
      navigate('/', { replace: true });
    } catch (err) {
      const fields = fieldMessages(err);
      if (Object.keys(fields).length > 0) form.setFields(Object.entries(fields).map(([name, msg]) => ({ name: name as keyof Values, errors: [msg] })));
      else message.error(messageOf(err));
    }
  }

  return (
    <>
      <h1 className="console-page-title">修改密码</h1>
      <Card style={{ maxWidth: 560 }}>
        {me?.passwordChangeRequired ? <Alert style={{ marginBottom: 16 }} type="warning" showIcon message="首次登录请先修改初始密码，修改后才能使用管理后台。" /> : null}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label="当前密码" name="currentPassword" rules={[{ required: true, message: '请输入当前密码' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item label="新密码" name="newPassword" extra="8–32 位，至少包含字母、数字、符号中的两类" rules={[{ required: true, message: '请输入新密码' }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label="确认新密码"
            name="confirm"
            dependencies={['newPassword']}
            rules={[
              { required: true, message: '请再次输入新密码' },
              ({ getFieldValue }) => ({ validator: (_, v) => (v === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error('两次输入的新密码不一致'))) }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            保存新密码
          </Button>
        </Form>
      </Card>
    </>
  );
}
