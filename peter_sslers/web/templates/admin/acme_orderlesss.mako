<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">AcmeOrderless (ACME-flow)</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / AcmeOrderless</%block>

<h1>AcmeOrderless (ACME-flow)${(' for ' + domain_name) if domain_name else ''} ${m.json_twin()}</h1>
<p class="muted">Manual http-01 challenges for an order another ACME client placed: the public responder serves them
  while the container is processing. <a href="${request.route_path('admin:acme_orderless:new')}">New AcmeOrderless</a></p>
${m.pagination(pagination)}
% if items:
<table>
  <thead><tr><th>id</th><th>processing</th><th>domain names</th><th>challenges</th><th>account</th><th>created</th><th>finalized</th></tr></thead>
  <tbody>
  % for o in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_orderless:focus', id=o.id)}">${o.id}</a></td>
      <td>${m.boolean(o.is_processing)}</td>
      <td>${', '.join(o.domain_names_list)}</td>
      <td>${len(o.acme_orderless_challenges)}</td>
      <td>
      % if o.acme_account_id:
        <a href="${request.route_path('admin:acme_account:focus', id=o.acme_account_id)}">${o.acme_account_id}</a>
      % else:
        -
      % endif
      </td>
      <td>${m.timestamp(o.timestamp_created)}</td>
      <td>${m.timestamp(o.timestamp_finalized)}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>None.</p>
% endif
