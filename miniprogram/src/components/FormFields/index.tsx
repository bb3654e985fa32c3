import Field, { type FieldProps } from '../Field'

/** What a form row is, as data: everything but its value, its onChange and its error (the form has those). */
export type FieldSpec<N extends string> = Omit<FieldProps, 'name' | 'value' | 'onChange' | 'error'> & { name: N }

/** The state a row reads and writes (what useFormState returns). */
export interface FieldState<N extends string> {
  form: Record<N, string>
  errors: Partial<Record<string, string>>
  edit: (field: N) => (value: string) => void
}

/** 用户名 as every account form asks for it. */
export const USERNAME_FIELD = { name: 'username', label: '用户名', placeholder: '字母开头，4–20 位', maxLength: 20 } as const satisfies FieldSpec<'username'>

/** Rows of a form card from a list of specs (a `false` entry is a row not shown). */
export default function FormFields<N extends string>({ state, fields }: { state: FieldState<N>; fields: ReadonlyArray<FieldSpec<N> | false> }) {
  const { form, errors, edit } = state
  return (
    <>
      {fields.map(
        (spec) => spec && <Field key={spec.name} {...spec} value={form[spec.name]} onChange={edit(spec.name)} error={errors[spec.name]} />,
      )}
    </>
  )
}
