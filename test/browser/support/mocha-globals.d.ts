// The browser tests run in @web/test-runner's mocha, which provides describe/it as globals;
// tsconfig.json limits automatic `types` to node, so they are pulled in here.
/// <reference types="mocha" />
