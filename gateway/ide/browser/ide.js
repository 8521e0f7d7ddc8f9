// The IDE page's own script: plain browser JavaScript served as is (no build
// step), on the UMD globals React, ReactDOM and GraphiQL loaded before it.
// Settings come from the <body>'s data- attributes: the CSP allows no inline script.
/* global React, ReactDOM, GraphiQL */
'use strict';
(function main() {
  const settings = document.body.dataset;
  const status = document.getElementById('ide-status');
  const select = document.getElementById('ide-operation');
  const sendById = document.getElementById('ide-document-id');
  /** The persisted operations, by exact text: a document equal to one can go by its id. */
  const listed = new Map();
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  let props = {};
  /** The Headers pane's text as last edited (GraphiQL reports edits, it has no getter). */
  let headersText = '';

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle('ide-error', Boolean(isError));
  }

  // GraphiQL.createFetcher cannot rewrite the body: ours sends a listed
  // operation as a GraphQL-over-HTTP `documentId` when the box is ticked.
  async function fetcher(params, options) {
    const operation = sendById.checked ? listed.get(params.query) : undefined;
    const body = operation
      ? { documentId: `sha256:${operation.id}`, operationName: params.operationName || undefined, variables: params.variables || undefined }
      : params;
    const response = await fetch(settings.endpoint, {
      method: 'POST',
      headers: { accept: 'application/graphql-response+json, application/json', 'content-type': 'application/json', ...(options && options.headers) },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  function render(next) {
    props = { ...props, ...next };
    root.render(
      React.createElement(
        GraphiQL,
        { fetcher, defaultEditorToolsVisibility: 'headers', shouldPersistHeaders: false, onEditHeaders: (text) => (headersText = text), ...props },
        React.createElement(GraphiQL.Logo, null, 'storefront-bff'),
      ),
    );
  }

  // GraphiQL copies its `query`/`headers` props into the editor only when the
  // prop changes: passing undefined first makes loading the same text twice
  // (after an edit) work too.
  function fill(editor, value) {
    ReactDOM.flushSync(() => render({ [editor]: undefined }));
    render({ [editor]: value });
  }

  /** The headers with Authorization set and every other header kept (text that is not a JSON object is replaced). */
  function withAuthorization(text, value) {
    let headers = {};
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) headers = parsed;
    } catch {
      // empty or half-typed: start again
    }
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    return JSON.stringify({ ...headers, Authorization: value }, null, 2);
  }

  async function getJson(url, init) {
    const response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init && init.headers) } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.errors && body.errors[0] && body.errors[0].message) || `HTTP ${response.status}`);
    return body;
  }

  async function listOperations() {
    try {
      const { operations } = await getJson(settings.operations);
      for (const operation of operations) {
        listed.set(operation.body, operation);
        select.add(new Option(`${operation.name} (${operation.type})`, operation.id));
      }
      select.dataset.loaded = String(operations.length);
      say(`${operations.length} persisted operations listed`);
    } catch (error) {
      say(`could not list the persisted operations: ${error.message}`, true);
    }
  }

  select.addEventListener('change', () => {
    const operation = [...listed.values()].find((o) => o.id === select.value);
    if (operation) fill('query', operation.body);
    select.value = '';
  });

  const devTokenButton = document.getElementById('ide-dev-token');
  if (devTokenButton) {
    devTokenButton.addEventListener('click', async () => {
      const sub = document.getElementById('ide-user').value.trim();
      try {
        const body = await getJson(settings.devToken, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
        fill('headers', withAuthorization(headersText, `Bearer ${body.token}`));
        say(`Authorization filled with a development token for ${body.sub}, valid ${Math.round(body.expiresInSeconds / 60)} min`);
      } catch (error) {
        say(`dev token: ${error.message}`, true);
      }
    });
  }

  render({
    defaultQuery:
      '# storefront-bff GraphiQL, served by this gateway (no CDN).\n' +
      '# Load a persisted operation (e.g. FrontPage) from the bar above, or write one.\n' +
      '# Signed-in fields (me, cart) need an Authorization header: see Headers below.\n',
  });
  void listOperations();
})();
