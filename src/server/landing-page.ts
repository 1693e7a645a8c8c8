/**
 * What a browser gets at `GET /graphql`: a small page, served by Gatehouse itself, that says
 * what this endpoint is and how to call it. In development Apollo Sandbox fills the rest of
 * the page when its script loads from Apollo's CDN (telemetry off); offline, or in
 * production (no script at all), the page still stands on its own.
 *
 * @example
 * res.end(landingPageHtml({ sandbox: null }));
 */

/** Where Apollo's embeddable Sandbox script comes from. */
export const SANDBOX_SCRIPT = 'https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js';

/** What Sandbox opens with, when there is one. */
export interface SandboxOptions {
  document: string;
  variables: Record<string, string>;
  headers: Record<string, string>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const EXAMPLE = `curl -s "$URL" -H 'content-type: application/json' \\
  -d '{"query": "mutation { tokenAuth(username: \\"ada\\", password: \\"…\\") { token refreshToken } }"}'
curl -s "$URL" -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \\
  -d '{"query": "{ me { id username } }"}'`;

/** The page; with `sandbox` (development), Apollo Sandbox below the introduction. */
export function landingPageHtml(options: { sandbox: SandboxOptions | null }): string {
  const { sandbox } = options;
  const about = `<header id="about">
<h1>Gatehouse</h1>
<p>This address is the GraphQL endpoint of <strong>Gatehouse</strong>, a JSON Web Token authentication
server: <code>tokenAuth</code> signs in and returns an access token and a refresh token, <code>refreshToken</code>
rotates them, protected fields take <code>Authorization: Bearer &lt;token&gt;</code>.
Send operations with <code>POST</code> and <code>Content-Type: application/json</code>, e.g.
(<code>URL</code> being this page's address):</p>
<pre>${escapeHtml(EXAMPLE)}</pre>
${sandbox ? '<p id="sandbox-status">Loading Apollo Sandbox from Apollo\'s CDN…</p>' : ''}
</header>`;
  const style = `body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1b1f24;display:flex;flex-direction:column;height:100vh}
header{padding:12px 20px;border-bottom:1px solid #d0d7de;overflow:auto;max-height:45vh}h1{font-size:20px;margin:0 0 6px}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:13px}code{font-size:13px}`;
  const embed = sandbox
    ? `<div id="sandbox" style="flex:1;min-height:0"></div>
<script>
var initialEndpoint = window.location.href;
var embeddedSandboxConfig = ${scriptJson({
        target: '#sandbox',
        initialState: { document: sandbox.document, variables: sandbox.variables, headers: sandbox.headers, includeCookies: false },
        hideCookieToggle: false,
        endpointIsEditable: false,
        runTelemetry: false,
      })};
function gatehouseSandboxFailed() {
  document.getElementById('sandbox-status').textContent = 'Apollo Sandbox could not be loaded (offline, or its CDN is blocked): call the endpoint as shown above.';
}
</script>
<script src="${SANDBOX_SCRIPT}" onerror="gatehouseSandboxFailed()"></script>
<script>
if (window.EmbeddedSandbox) {
  document.getElementById('sandbox-status').remove();
  new window.EmbeddedSandbox(Object.assign({ initialEndpoint: initialEndpoint }, embeddedSandboxConfig));
} else if (document.getElementById('sandbox-status')) {
  gatehouseSandboxFailed();
}
</script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse GraphQL endpoint</title><style>${style}</style></head>
<body>
${about}
${embed}
</body></html>
`;
}
