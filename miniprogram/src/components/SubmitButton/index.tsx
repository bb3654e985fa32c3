import type { ReactNode } from 'react'
import { Button } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/button/style/css'

interface Props {
  /** Class for tests: `btn-<name>`. */
  name: string
  loading: boolean
  disabled?: boolean
  onClick: () => void
  children: ReactNode
  fill?: 'solid' | 'outline'
}

/** The full-width primary button of a form, with a loading state that also blocks taps. */
export default function SubmitButton({ name, loading, disabled, onClick, children, fill = 'solid' }: Props) {
  return (
    <Button
      className={`submit-button btn-${name}`}
      type='primary'
      fill={fill}
      block
      size='large'
      loading={loading}
      disabled={disabled || loading}
      onClick={() => {
        if (!loading) onClick()
      }}
    >
      {children}
    </Button>
  )
}
