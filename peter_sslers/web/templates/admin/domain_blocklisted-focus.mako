<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Blocklisted ${DomainBlocklisted.domain_name}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains_blocklisted')}">Blocklisted</a> / ${DomainBlocklisted.id}</%block>

<h1>Blocklisted: ${DomainBlocklisted.domain_name} ${m.json_twin()}</h1>
<table class="focus">
  <tr><th>id</th><td>${DomainBlocklisted.id}</td></tr>
  <tr><th>domain name</th><td>${DomainBlocklisted.domain_name}</td></tr>
  <tr><th>since</th><td>${m.timestamp(DomainBlocklisted.timestamp_created)}</td></tr>
  <tr><th>operations event</th><td>
  % if DomainBlocklisted.operations_event_id__created:
    <a href="${request.route_path('admin:operations:log:focus', id=DomainBlocklisted.operations_event_id__created)}">${DomainBlocklisted.operations_event_id__created}</a>
  % endif
  </td></tr>
  <tr><th>Domain</th><td>
  % if Domain is not None:
    <a href="${request.route_path('admin:domain:focus', domain_identifier=Domain.id)}">${Domain.domain_name}</a>
    (${'active' if Domain.is_active else 'inactive'}: made before the name was blocklisted; its certificates are not renewed)
  % else:
    none
  % endif
  </td></tr>
</table>
<form method="POST" action="${request.route_path('admin:domain_blocklisted:focus:delete', id=DomainBlocklisted.id)}">${csrf_input()}
  <button type="submit">Remove from the blocklist</button>
</form>
