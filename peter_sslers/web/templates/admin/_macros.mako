## Shared bits of the admin pages.

<%!
from peter_sslers.web.lib.handler import field_label, flash_sentence, pop_flash_results
# internal values shown as words in HTML (JSON keeps the raw values)
HUMAN = {
    '*discovered*': 'not fetched yet',
    '*404*': 'unknown to the ACME server (404)',
    '*406*': 'refused by the ACME server (406)',
    '*410*': 'no longer listed by the ACME server (410)',
    'deferred-associate': "chosen at finalize: the cycle's current key",
    'deferred-generate': 'chosen at finalize: a new key',
    'account_default': "the account's default",
    'single_certificate': 'a new key for each certificate',
    'account_daily': "the account's key of the day",
    'global_daily': 'one key a day for everyone',
    'account_weekly': "the account's key of the week",
    'global_weekly': 'one key a week for everyone',
    'account_key_default': "the account's own cycle",
}
%>

## The outcome of the last action: flash messages left by ``Handler.redirect_result`` (never the
## query string, which anyone can write). Each is shown once; the layout calls this once.
<%def name="result_banner()">
% for message in pop_flash_results(request):
  % if message.get('result') == 'success':
  <div class="alert alert-success" role="status">${flash_sentence(message)}</div>
  % else:
  <div class="alert alert-error" role="alert">${flash_sentence(message)}</div>
  % endif
% endfor
</%def>

## A raw value as words (HUMAN), the raw value in a tooltip.
<%def name="human(value)">\
% if value in HUMAN:
<span title="${value}">${HUMAN[value]}</span>\
% else:
${value}\
% endif
</%def>

## A rejected form's summary: each field by its label, linked to the field (whose own message is
## shown next to it by ``field_error``).
<%def name="form_errors(errors)">
% if errors:
  <div class="alert alert-error" role="alert">
    <p>Nothing was changed. Please fix:</p>
    <ul>
    % for field, message in sorted(errors.items()):
      <% label = field_label(field) %>
      % if label:
      <li><a href="#${field}">${label}</a>: ${message}</li>
      % else:
      <li>${message}</li>
      % endif
    % endfor
    </ul>
  </div>
% endif
</%def>

## The error of one field, next to it.
<%def name="field_error(errors, name)">\
% if errors and name in errors:
<span class="field-error" id="${name}-error">${errors[name]}</span>\
% endif
</%def>

<%def name="pagination(p)">
## numbered: first, ..., this page's neighbours, ..., last; the query string (the list's filters) is kept
% if p.page_last > 1:
  <nav class="pagination" aria-label="Pages">
  % if p.page_prev:
    <a href="${p.url(p.page_prev)}" rel="prev">&larr; previous</a>
  % endif
  % for number in p.page_numbers():
    % if number is None:
    <span class="gap">&hellip;</span>
    % elif number == p.page:
    <a class="current" aria-current="page" href="${p.url(number)}">${number}</a>
    % else:
    <a href="${p.url(number)}">${number}</a>
    % endif
  % endfor
  % if p.page_next:
    <a href="${p.url(p.page_next)}" rel="next">next &rarr;</a>
  % endif
    <span class="muted">page ${p.page} of ${p.page_last} (${p.total_items} items)</span>
  </nav>
% else:
  <p class="muted">${p.total_items} item${'' if p.total_items == 1 else 's'}</p>
% endif
</%def>

<%def name="nav_links()">\
<%! from peter_sslers.web.lib import navigation %>\
<% current = navigation.current_section(request) %>\
% for section, route, label, _objects in navigation.NAVIGATION:
  % if section == current:
      <a class="current" aria-current="page" href="${request.route_path(route)}">${label}</a>
  % else:
      <a href="${request.route_path(route)}">${label}</a>
  % endif
% endfor
</%def>

## a domain name as stored, in Unicode with the punycode beside when it is an IDN
<%def name="domain_name(name)">\
<%! from peter_sslers.lib.utils import domain_name_unicode %>\
<% shown = domain_name_unicode(name) %>\
% if shown:
<span class="idn">${shown}</span> <span class="punycode">(${name})</span>\
% else:
${name}\
% endif
</%def>

## names as stored, each shown as domain_name() does, comma-separated
<%def name="domain_names(names)">\
% for name in names:
${domain_name(name)}${'' if loop.last else ', '}\
% endfor
</%def>

## the CSS class of a number of days left: expired, under 7, under 30, else ok
<%def name="days_class(days)">${'days-expired' if days < 0 else 'days-7' if days < 7 else 'days-30' if days < 30 else 'days-ok'}</%def>

<%def name="days_left(c)">\
<span class="days ${days_class(c.expiring_days)}">${'expired' if c.expiring_days < 0 else '%d day%s left' % (c.expiring_days, '' if c.expiring_days == 1 else 's')}</span>\
</%def>

## a duration in seconds, roughly: 40 s, 12 min, 5 h, 3 days
<%def name="age(seconds)">${'%d s' % seconds if seconds < 120 else '%d min' % (seconds // 60) if seconds < 7200 else '%d h' % (seconds // 3600) if seconds < 172800 else '%d days' % (seconds // 86400)}</%def>

<%def name="timestamp(ts)">${ts.strftime('%Y-%m-%d %H:%M:%S UTC') if ts else ''}</%def>

<%def name="boolean(value)">${{True: 'yes', False: 'no', None: '-'}.get(value, value)}</%def>

<%def name="json_link(url)"><a class="json" href="${url}">.json</a></%def>

<%def name="json_twin()">\
<% route = request.matched_route %>\
% if route is not None and not route.name.endswith('|json'):
<a class="json" href="${request.route_path(route.name + '|json', **request.matchdict)}${('?' + request.query_string) if request.query_string else ''}">.json</a>\
% endif
</%def>

<%def name="status_certificate(c)">\
% if c.is_revoked:
<span class="badge bad">revoked</span>\
% elif c.is_active:
<span class="badge ok">active</span>\
% else:
<span class="badge">deactivated</span>\
% endif
% if c.expiring_days < 0:
<span class="badge bad">expired</span>\
% endif
</%def>

<%def name="table_certificate_signeds(items)">
<table class="list">
  <thead><tr><th>id</th><th>domains</th><th>status</th><th>not after</th><th>key</th><th>type</th></tr></thead>
  <tbody>
  % for c in items:
    <tr>
      <td><a href="${request.route_path('admin:certificate_signed:focus', id=c.id)}">${c.id}</a></td>
      <td>
      % for name in c.domains_as_list:
        ${domain_name(name)}${'' if loop.last else ','}
      % endfor
      </td>
      <td>${status_certificate(c)}</td>
      <td>${timestamp(c.timestamp_not_after)} ${days_left(c)}</td>
      <td><a href="${request.route_path('admin:private_key:focus', id=c.private_key_id)}">${c.private_key_id}</a></td>
      <td>${c.key_technology}, ${'single' if c.is_single_domain_cert else 'multi'}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

## A one-button form. ``danger``: an irreversible action (styled so; its view asks again).
<%def name="form_action(url, action, label, danger=False)">\
<form class="inline" method="POST" action="${url}">${csrf_input()}<input type="hidden" name="action" value="${action}"><button type="submit"${' class="danger"' if danger else '' | n}>${label}</button></form>\
</%def>

<%def name="downloads(links)">\
<ul class="downloads">
% for label, url in links:
  <li><a href="${url}">${label}</a></li>
% endfor
</ul>\
</%def>

<%def name="nginx_servers_table(pool_result)">
<%! import json %>
<table class="list">
  <thead><tr><th>server</th><th>result</th><th>HTTP</th><th>reason / answer</th></tr></thead>
  <tbody>
  % for s in pool_result.servers:
    <tr>
      <td><code>${s.server}</code></td>
      <td>${'<span class="badge ok">success</span>' if s.ok else '<span class="badge bad">failed</span>' | n}</td>
      <td>${s.status_code or '-'}</td>
      <td>
      % if s.ok:
        <code>${json.dumps(s.answer, sort_keys=True)}</code>
      % else:
        ${s.reason}
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>
