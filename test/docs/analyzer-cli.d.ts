/** The part of the Custom Elements Manifest analyzer's CLI module the docs test calls. */
declare module '@custom-elements-manifest/analyzer/cli.js' {
  /** Runs the analyzer as its command line would; with `noWrite`, returns the manifest only. */
  export function cli(options: {
    argv: string[];
    cwd: string;
    noWrite?: boolean;
  }): Promise<unknown>;
}
