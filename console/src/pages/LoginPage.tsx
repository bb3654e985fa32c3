/**
 * Sign-in: step 1 the password (with the image captcha after repeated
 * failures), step 2 the SMS code sent to the account's bound phone. A first
 * sign-in with a generated password continues to the password change.
 */
import { LockOutlined, MobileOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { CaptchaResponseSchema } from '../../../domain/api/auth';
import { ConsoleChallengeResponseSchema, ConsoleSessionResponseSchema, type ConsoleChallengeResponse } from '../../../domain/api/console';
import { api, fieldMessages, hasCode, messageOf } from '../api/client';
import { useSession } from '../session';

interface Credentials {
  login: string;
  password: string;
  captchaAnswer?: string;
}

export function LoginPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const { me, signedIn, endedBecause } = useSession();
  const [step, setStep] = useState<'password' | 'sms'>('password');
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [challenge, setChallenge] = useState<ConsoleChallengeResponse | null>(null);
  const [captcha, setCaptcha] = useState<{ id: string; image: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [resendIn, setResendIn] = useState(0);
  const [passwordForm] = Form.useForm<Credentials>();
  const [smsForm] = Form.useForm<{ smsCode: string }>();

  useEffect(() => {
    if (me) navigate(me.passwordChangeRequired ? '/password' : ((location.state as { from?: string } | null)?.from ?? '/'), { replace: true });
  }, [me, navigate, location.state]);

  useEffect(() => {
    if (resendIn <= 0) return undefined;
    const timer = setTimeout(() => setResendIn((s) => s - 1), 1000);
    return () => clearTimeout(timer);
  }, [resendIn]);

  async function loadCaptcha() {
    const c = await api.get('/api/auth/captcha', CaptchaResponseSchema);
    setCaptcha({ id: c.captchaId, image: c.image });
  }

  async function sendPassword(values: Credentials) {
    setBusy(true);
    setError(null);
    try {
      const result = await api.post('/api/console/auth/login', ConsoleChallengeResponseSchema, {
        login: values.login,
        password: values.password,
        ...(captcha && values.captchaAnswer ? { captchaId: captcha.id, captchaAnswer: values.captchaAnswer } : {}),
      });
      setCredentials(values);
      setChallenge(result);
      setStep('sms');
      setResendIn(60);
      smsForm.resetFields();
    } catch (err) {
      if (hasCode(err, 'CAPTCHA_REQUIRED', 'CAPTCHA_INVALID')) await loadCaptcha();
      else if (captcha) await loadCaptcha();
      const fields = fieldMessages(err);
      passwordForm.setFields(Object.entries(fields).map(([name, message]) => ({ name: name as keyof Credentials, errors: [message] })));
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function sendCode(values: { smsCode: string }) {
    if (!challenge) return;
    setBusy(true);
    setError(null);
    try {
      const session = await api.post('/api/console/auth/verify', ConsoleSessionResponseSchema, { challengeId: challenge.challengeId, smsCode: values.smsCode.trim() });
      await signedIn(session.token, session.expiresAt);
    } catch (err) {
      if (hasCode(err, 'CONSOLE_CHALLENGE_INVALID')) {
        setStep('password');
        setChallenge(null);
      }
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="console-login">
      <Card className="console-login-card" variant="borderless">
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <div style={{ textAlign: 'center' }}>
            <Typography.Title level={3} style={{ marginBottom: 4 }}>
              教育卡管理后台
            </Typography.Title>
            <Typography.Text type="secondary">学校管理员 · 教育卡管理中心</Typography.Text>
          </div>
          {endedBecause && step === 'password' && !error ? <Alert type="warning" showIcon message={endedBecause} /> : null}
          {error ? <Alert type="error" showIcon message={error} /> : null}
          {step === 'password' ? (
            <Form form={passwordForm} layout="vertical" size="large" onFinish={sendPassword} requiredMark={false} autoComplete="on">
              <Form.Item label="账号" name="login" rules={[{ required: true, message: '请输入用户名或手机号' }]}>
                <Input prefix={<UserOutlined />} placeholder="用户名或手机号" autoComplete="username" />
              </Form.Item>
              <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
                <Input.Password prefix={<LockOutlined />} placeholder="密码" autoComplete="current-password" />
              </Form.Item>
              {captcha ? (
                <Form.Item label="图形验证码" required>
                  <Space.Compact style={{ width: '100%' }}>
                    <Form.Item name="captchaAnswer" noStyle rules={[{ required: true, message: '请输入图形验证码' }]}>
                      <Input placeholder="图形验证码" />
                    </Form.Item>
                    <Button onClick={loadCaptcha} style={{ padding: 0, height: 40 }} aria-label="换一张">
                      <img alt="图形验证码" src={captcha.image} height={38} />
                    </Button>
                  </Space.Compact>
                </Form.Item>
              ) : null}
              <Button type="primary" htmlType="submit" block loading={busy}>
                下一步
              </Button>
            </Form>
          ) : (
            <Form form={smsForm} layout="vertical" size="large" onFinish={sendCode} requiredMark={false}>
              <Alert type="info" showIcon icon={<MobileOutlined />} message={`短信验证码已发送至 ${challenge?.phoneMasked ?? ''}`} description="为保护学生个人信息，每次登录管理后台都需要短信验证。" />
              <Form.Item label="短信验证码" name="smsCode" style={{ marginTop: 16 }} rules={[{ required: true, pattern: /^\d{6}$/, message: '请输入 6 位数字验证码' }]}>
                <Input prefix={<SafetyOutlined />} placeholder="6 位数字" maxLength={6} inputMode="numeric" autoComplete="one-time-code" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                登录
              </Button>
              <Space style={{ marginTop: 12, width: '100%', justifyContent: 'space-between' }}>
                <Button type="link" style={{ padding: 0 }} onClick={() => { setStep('password'); setError(null); }}>
                  返回上一步
                </Button>
                <Button type="link" style={{ padding: 0 }} disabled={resendIn > 0 || busy} onClick={() => credentials && void sendPassword(credentials)}>
                  {resendIn > 0 ? `${resendIn} 秒后可重新发送` : '重新发送验证码'}
                </Button>
              </Space>
            </Form>
          )}
        </Space>
      </Card>
    </div>
  );
}
