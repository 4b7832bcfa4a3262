/** Per-request values the middleware chain shares through Hono's context. */
export interface RequestLog {
  lane?: string;
  route?: string;
  org?: string;
  key?: string;
  inbox?: string;
  target?: string;
  code?: string;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: RequestLog;
  };
}
