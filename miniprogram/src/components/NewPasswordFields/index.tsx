import { validatePassword, type PasswordContext } from '../../../../domain/account/credentials'
import { errorMessage, type FieldErrors } from '../../../../domain/errors'
import Field from '../Field'
import type { FieldState } from '../FormFields'
import PasswordChecklist from '../PasswordChecklist'

/** 'password' when the account is new (注册, 激活), 'newPassword' when it replaces one. */
type PasswordName = 'password' | 'newPassword'

const WORDING = {
  password: { label: '密码', placeholder: '设置登录密码', noun: '密码' },
  newPassword: { label: '新密码', placeholder: '设置新密码', noun: '新密码' },
} as const

interface Props<N extends PasswordName> {
  name: N
  /** The form's state (useFormState). */
  state: FieldState<N | 'confirmPassword'>
  /** Who the password must not contain (username, phone). */
  context: PasswordContext
}

/** The password (with its live checklist) and its confirmation: two rows of a form card. */
export default function NewPasswordFields<N extends PasswordName>({ name, state, context }: Props<N>) {
  const { form, errors, edit } = state
  const wording = WORDING[name]
  return (
    <>
      <Field
        name={name}
        label={wording.label}
        type='password'
        placeholder={wording.placeholder}
        maxLength={32}
        value={form[name]}
        onChange={edit(name)}
        error={errors[name]}
      >
        <PasswordChecklist password={form[name]} context={context} />
      </Field>
      <Field
        name='confirmPassword'
        label='确认密码'
        type='password'
        placeholder={`再次输入${wording.noun}`}
        maxLength={32}
        value={form.confirmPassword}
        onChange={edit('confirmPassword')}
        error={errors.confirmPassword}
      />
    </>
  )
}

/** The checks the request schema cannot make: the confirmation matches, the password avoids the identity. */
export function newPasswordErrors<N extends PasswordName>(
  name: N,
  form: Record<N | 'confirmPassword', string>,
  context: PasswordContext,
): FieldErrors {
  const noun = WORDING[name].noun
  const extra: FieldErrors = {}
  if (form.confirmPassword === '') extra['body.confirmPassword'] = `请再次输入${noun}`
  else if (form.confirmPassword !== form[name]) extra['body.confirmPassword'] = `两次输入的${noun}不一致`
  if (validatePassword(form[name], context) === 'PASSWORD_CONTAINS_IDENTITY') {
    extra[`body.${name}`] = errorMessage('PASSWORD_CONTAINS_IDENTITY')
  }
  return extra
}
