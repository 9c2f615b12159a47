<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
% for w in ('active', 'expiring', 'inactive', 'all'):
  <a href="${request.route_path('admin:certificate_signeds:list', which=w)}"${' class="current" aria-current="true"' if w == context.get('which') else '' | n}>${w}</a>
% endfor
  <a class="button" href="${request.route_path('admin:certificate_signed:upload')}">Upload a certificate</a>
</nav>
<% filter_values = context.get('filter_values'); issuers = context.get('issuers') or []; list_which = context.get('which') %>
% if filter_values is not None:
<%! from peter_sslers.lib.db.get import CERTIFICATE_SIGNED_STATES %>
<form class="filters" method="GET" action="${request.route_path('admin:certificate_signeds:list', which=list_which)}" role="search" aria-label="Filter the certificates">
  <label>State
    <select name="state">
      <option value="">any</option>
    % for state, about in CERTIFICATE_SIGNED_STATES.items():
      <option value="${state}" title="${about}"${' selected' if filter_values['state'] == state else ''}>${state}</option>
    % endfor
    </select>
  </label>
  <label>Expiring within (days)
    <input type="number" name="expiring_days" min="1" max="3650" value="${filter_values['expiring_days']}">
  </label>
  <label>Issuer (CA)
    <select name="ca">
      <option value="">any</option>
    % for ca in issuers:
      <option value="${ca.id}"${' selected' if filter_values['ca'] == str(ca.id) else ''}>${ca.display_name} (#${ca.id})</option>
    % endfor
    </select>
  </label>
  <label>Name (any SAN contains)
    <input type="text" name="name" value="${filter_values['name']}" maxlength="255">
  </label>
  <label class="checkbox"><input type="checkbox" name="serving" value="1"${' checked' if filter_values['serving'] in ('1', 'true', 'yes', 'on') else ''}> an active domain's latest</label>
  <button type="submit">Filter</button>
  <a href="${request.route_path('admin:certificate_signeds:list', which=list_which)}">clear</a>
</form>
% endif
${m.pagination(pagination)}
% if items:
${m.table_certificate_signeds(items)}
% else:
<p>None.</p>
% endif
