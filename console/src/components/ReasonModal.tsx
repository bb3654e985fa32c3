/**
 * A confirmation that asks why (revoking a card, revealing an ID, a refund):
 * the reason is required, sent with the action and kept in the audit log.
 */
import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { fieldMessages, messageOf } from '../api/client';

export interface ReasonModalProps {
  open: boolean;
  title: string;
  description: string;
  okText: string;
  danger?: boolean;
  placeholder?: string;
  onCancel(): void;
  /** Resolves when done (the modal closes); a rejection shows its message. */
  onSubmit(reason: string): Promise<void>;
}

export function ReasonModal({ open, title, description, okText, danger, placeholder, onCancel, onSubmit }: ReasonModalProps) {
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal
      open={open}
      title={title}
      okText={okText}
      cancelText="取消"
      okButtonProps={{ danger: danger ?? false, loading: busy }}
      destroyOnHidden
      onCancel={() => {
        setError(null);
        form.resetFields();
        onCancel();
      }}
      onOk={async () => {
        let reason: string;
        try {
          ({ reason } = await form.validateFields());
        } catch {
          return; // the form shows what is missing
        }
        setBusy(true);
        setError(null);
        try {
          await onSubmit(reason.trim());
          form.resetFields();
        } catch (err) {
          const fields = fieldMessages(err);
          if (fields.reason) form.setFields([{ name: 'reason', errors: [fields.reason] }]);
          else setError(messageOf(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <p style={{ color: 'rgba(0,0,0,0.65)' }}>{description}</p>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="reason"
          label="原因"
          rules={[
            { required: true, whitespace: true, message: '请填写原因' },
            { min: 2, max: 200, message: '原因应为 2–200 个字' },
          ]}
        >
          <Input.TextArea rows={3} maxLength={200} showCount placeholder={placeholder ?? '例如：家长来电，已核实身份'} aria-label="原因" />
        </Form.Item>
      </Form>
      {error ? <Alert type="error" showIcon title={error} /> : null}
    </Modal>
  );
}
