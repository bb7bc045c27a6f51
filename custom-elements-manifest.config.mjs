/**
 * Custom Elements Manifest for `<bank-connect>`, generated from the class doc comment.
 *
 * The element declares its reactive properties in `static properties`; the analyzer lists every
 * entry there as an attribute, including the private `{ state: true }` ones, which Lit never
 * reflects to or reads from an attribute. `dropPrivateAttributes` removes those.
 */
const dropPrivateAttributes = {
  name: 'bank-connect:drop-private-attributes',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? []) {
        if (!declaration.attributes) continue;
        const privateFields = new Set(
          (declaration.members ?? [])
            .filter((member) => member.kind === 'field' && member.privacy === 'private')
            .map((member) => member.name),
        );
        declaration.attributes = declaration.attributes.filter(
          (attribute) => !privateFields.has(attribute.fieldName),
        );
      }
    }
  },
};

export default {
  globs: ['widget/**/*.ts'],
  exclude: ['widget/locales/**', 'widget/scripts/**', 'widget/dist/**'],
  outdir: 'widget/dist',
  litelement: true,
  // package.json names the manifest already; the analyzer would rewrite it for any other outdir.
  packagejson: false,
  plugins: [dropPrivateAttributes],
};
