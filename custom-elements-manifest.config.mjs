/** Custom Elements Manifest for `<bank-connect>`, generated from the class doc comment. */
export default {
  globs: ['widget/**/*.ts'],
  exclude: ['widget/locales/**'],
  outdir: 'dist/es',
  litelement: true,
};
