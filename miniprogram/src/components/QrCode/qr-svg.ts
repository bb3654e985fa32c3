import qrcode from 'qrcode-generator'

/** Modules of quiet zone around the symbol (the standard asks for 4). */
export const QR_QUIET_ZONE = 4

/**
 * The QR code of `text` as SVG markup: one path of unit squares, a white
 * background with the quiet zone, crisp edges at any size. Error correction M
 * (an electronic-card token of ~163 ASCII characters is version 9, 53×53).
 * Pure: builds a string, no DOM, so it runs in the mini-program as well.
 */
export function qrSvg(text: string, options: { level?: 'L' | 'M' | 'Q' | 'H'; color?: string } = {}): string {
  const qr = qrcode(0, options.level ?? 'M')
  qr.addData(text, 'Byte')
  qr.make()
  const count = qr.getModuleCount()
  const size = count + QR_QUIET_ZONE * 2
  let path = ''
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) path += `M${col + QR_QUIET_ZONE} ${row + QR_QUIET_ZONE}h1v1h-1z`
    }
  }
  const color = options.color ?? '#000000'
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size * 8}" height="${size * 8}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#ffffff"/>` +
    `<path d="${path}" fill="${color}"/>` +
    `</svg>`
  )
}
