## Shared bits of the admin pages.

<%def name="result_banner()">
<% result = request.GET.get('result') %>
% if result == 'success':
  <div class="alert alert-success">
    Done: ${request.GET.get('operation', '')} ${request.GET.get('action', '')}
  </div>
% elif result == 'error':
  <div class="alert alert-error">
    ${request.GET.get('operation', 'The operation')} failed: ${request.GET.get('error', 'unknown error')}
  </div>
% endif
</%def>

<%def name="form_errors(errors)">
% if errors:
  <div class="alert alert-error">
    <p>Nothing was changed. Please fix:</p>
    <ul>
    % for field, message in sorted(errors.items()):
      <li><strong>${field}</strong>: ${message}</li>
    % endfor
    </ul>
  </div>
% endif
</%def>

<%def name="pagination(p)">
% if p.page_last > 1:
  <nav class="pagination">
  % if p.page_prev:
    <a href="${p.url(p.page_prev)}">&larr; previous</a>
  % endif
    <span>page ${p.page} of ${p.page_last} (${p.total_items} items)</span>
  % if p.page_next:
    <a href="${p.url(p.page_next)}">next &rarr;</a>
  % endif
  </nav>
% else:
  <p class="muted">${p.total_items} item${'' if p.total_items == 1 else 's'}</p>
% endif
</%def>

<%def name="timestamp(ts)">${ts.strftime('%Y-%m-%d %H:%M:%S UTC') if ts else ''}</%def>

<%def name="boolean(value)">${{True: 'yes', False: 'no', None: '-'}.get(value, value)}</%def>

<%def name="json_link(url)"><a class="json" href="${url}">.json</a></%def>
