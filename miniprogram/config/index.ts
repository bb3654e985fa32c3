import path from 'node:path'
import { defineConfig, type UserConfigExport } from '@tarojs/cli'
import devConfig from './dev'
import prodConfig from './prod'

/**
 * Taro build configuration, written by hand from the Taro 4 CLI template
 * (node_modules/@tarojs/cli/templates/default/config/index.js).
 *
 * - `weapp` builds to dist/weapp, `h5` to dist/h5 (outputRoot follows TARO_ENV).
 * - The shared `domain/` folder at the repository root is plain TypeScript outside
 *   `src/`; Taro only runs babel on `src/` and `node_modules/*taro*` by default, so
 *   `compile.include` adds it (and zod, whose ESM uses syntax newer than the
 *   mini-program's browserslist targets).
 */

const domainDir = path.resolve(__dirname, '../../domain')

/** Files outside src/ that must go through babel (TypeScript, newer syntax). */
const compileInclude = [
  (filename: string) => filename.startsWith(domainDir + path.sep),
  (filename: string) => /node_modules[\\/]zod[\\/]/.test(filename),
]

/**
 * API base URL baked into the bundle. Only TARO_APP_* variables reach the bundle:
 * from the shell (`TARO_APP_API_BASE=https://api.example.cn npm run build:weapp`)
 * or from miniprogram/.env.<mode>. The H5 build is served by the API itself, so it
 * always calls the same origin and ignores this value. The weapp default is the
 * local API for WeChat DevTools (with 「不校验合法域名」 ticked), on the PORT the
 * API listens on (3000 unless PORT is set, as in config/index.ts).
 */
const apiBase =
  process.env.TARO_ENV === 'h5' ? '' : process.env.TARO_APP_API_BASE || `http://127.0.0.1:${process.env.PORT || '3000'}`

/**
 * The development inbox page (the fake providers' SMS codes and messages) is built
 * only when TARO_APP_DEV_INBOX=1 asks for it (`npm start` and the browser tests'
 * H5 build), and never into a weapp release build (`taro build`, NODE_ENV
 * production), whatever the shell says. The decision is written back to the
 * environment so that app.config.ts (its page list) and the bundle (我的's
 * 开发工具 row) read the same answer.
 */
function decideDevInbox(): boolean {
  const asked = process.env.TARO_APP_DEV_INBOX === '1'
  const weappRelease = process.env.TARO_ENV === 'weapp' && process.env.NODE_ENV !== 'development'
  return asked && !weappRelease
}

/** CSS modules stay off (class names are global, BEM-style); the same setting for both platforms. */
const cssModules = {
  enable: false,
  config: {
    namingPattern: 'module' as const,
    generateScopedName: '[name]__[local]___[hash:base64:5]',
  },
}

export default defineConfig<'webpack5'>(async (merge) => {
  const devInbox = decideDevInbox()
  process.env.TARO_APP_DEV_INBOX = devInbox ? '1' : ''
  const baseConfig: UserConfigExport<'webpack5'> = {
    projectName: 'educard',
    date: '2025-01-01',
    // Our styles are written for a 750-wide design; NutUI's for 375 (its docs).
    designWidth: (input) => {
      const file = typeof input === 'object' ? input.file : undefined
      return file?.replace(/\\+/g, '/').includes('@nutui/') ? 375 : 750
    },
    deviceRatio: {
      640: 2.34 / 2,
      750: 1,
      375: 2,
      828: 1.81 / 2,
    },
    sourceRoot: 'src',
    outputRoot: `dist/${process.env.TARO_ENV}`,
    plugins: [],
    env: {
      TARO_APP_API_BASE: JSON.stringify(apiBase),
      TARO_APP_DEV_INBOX: JSON.stringify(devInbox ? '1' : ''),
    },
    defineConstants: {},
    copy: {
      patterns: [],
      options: {},
    },
    framework: 'react',
    compiler: 'webpack5',
    // WeChat templates cannot recurse, so base.wxml repeats every component's
    // template once per nesting level (16 by default, ≈ 2.7 KB a level, all in the
    // main package). Deeper trees continue through Taro's comp component (one
    // custom-component hop per 5 levels), so pages work the same and the main
    // package stays under its limit (6 levels: 602 KB once 我的数据 and 注销账号 came).
    baseLevel: 5,

    // weapp: Chinese text as UTF-8 (3 bytes a character), not \uXXXX escapes (6):
    // the copy is much of what the pages hold, and the main package has a size limit.
    ...(process.env.TARO_ENV === 'weapp' ? { terser: { enable: true, config: { output: { ascii_only: false } } } } : {}),
    cache: {
      enable: false,
    },
    mini: {
      compile: {
        include: compileInclude,
      },

      // NutUI's per-component CSS is imported in different orders by different
      // pages; the rules do not overlap, so the order warning is noise (as in h5).
      miniCssExtractPluginOption: {
        ignoreOrder: true,
      },
      postcss: {
        pxtransform: {
          enable: true,
          config: {},
        },
        cssModules,
      },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      compile: {
        include: compileInclude,
      },
      output: {
        filename: 'js/[name].[contenthash:8].js',
        chunkFilename: 'js/[name].[contenthash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[contenthash:8].css',
        chunkFilename: 'css/[name].[contenthash:8].css',
      },
      postcss: {
        autoprefixer: {
          enable: true,
          config: {},
        },
        cssModules,
      },
    },
  }

  if (process.env.NODE_ENV === 'development') {
    return merge({}, baseConfig, devConfig)
  }
  return merge({}, baseConfig, prodConfig)
})
