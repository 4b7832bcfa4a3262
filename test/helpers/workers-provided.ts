// What test/helpers/workers-global-setup.ts provides to the workerd suites (vitest inject()).
declare module 'vitest' {
  export interface ProvidedContext {
    smtpSinkPort: number;
    smtpSinkInboxUrl: string;
  }
}

export {};
