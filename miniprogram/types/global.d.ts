/// <reference types="@tarojs/taro" />

declare module '*.png';
declare module '*.gif';
declare module '*.jpg';
declare module '*.jpeg';
declare module '*.svg';
declare module '*.css';
declare module '*.scss';

declare namespace NodeJS {
  interface ProcessEnv {
    /** Set by Node/Taro; affects the build output. */
    NODE_ENV: 'development' | 'production'
    /** The platform being built. */
    TARO_ENV: 'weapp' | 'swan' | 'alipay' | 'h5' | 'rn' | 'tt' | 'qq' | 'jd' | 'harmony' | 'jdrn'
    /** Mini-program appid; overrides the appid of project.config.json at build time. */
    TARO_APP_ID: string
    /**
     * Base URL of the EduCard API for the mini-program (e.g. https://api.example.cn).
     * Inlined at build time; the H5 build ignores it and calls the same origin.
     */
    TARO_APP_API_BASE: string
    /** '1' when this build includes the development inbox page (config/index.ts decides; never a weapp release). */
    TARO_APP_DEV_INBOX: string
  }
}
