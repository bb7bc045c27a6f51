import { LitElement } from 'lit';

/**
 * A Lit element that renders into itself rather than a shadow root, so that the page's
 * stylesheet styles it: the demo's own components are page furniture, not reusable widgets.
 */
export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
