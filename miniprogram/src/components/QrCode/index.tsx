import { useMemo } from 'react'
import { Image, View } from '@tarojs/components'
import { svgDataUri } from '../../utils/svg-data-uri'
import { qrSvg } from './qr-svg'
import './index.scss'

interface Props {
  /** The text to encode (ASCII; an electronic-card token). */
  value: string
  /** Greyed out with a note over it (e.g. while a fresh code loads). */
  dimmed?: boolean
  /** Sizing class of the page (the default edge is 440px of the 750 design). */
  className?: string
  testId?: string
}

/**
 * A QR code drawn as an SVG data URI in an <Image>: the same code path in the
 * mini-program (whose <image> takes base64 data URIs) and in H5 (an <img>),
 * no canvas and no platform branches. The markup is generated here from the
 * encoder's modules, never HTML from outside.
 */
export default function QrCode({ value, dimmed = false, className = '', testId = 'qr-code' }: Props) {
  const src = useMemo(() => svgDataUri(qrSvg(value)), [value])
  return (
    <View className={`qr-code ${className}${dimmed ? ' qr-code--dimmed' : ''}`}>
      <Image className='qr-code__image' src={src} mode='aspectFit' data-testid={testId} />
    </View>
  )
}
