<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Domain ${Domain.domain_name}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / ${Domain.domain_name}</%block>

<h1>Domain ${Domain.domain_name} ${m.json_link(request.route_path('admin:domain:focus|json', domain_identifier=Domain.id))}</h1>
<table class="kv">
  <tr><th>id</th><td>${Domain.id}</td></tr>
  <tr><th>domain name</th><td><code>${Domain.domain_name}</code></td></tr>
  <tr><th>active</th><td>${m.boolean(Domain.is_active)}
    <form class="inline" method="POST" action="${request.route_path('admin:domain:focus:mark', domain_identifier=Domain.id)}">
    % if Domain.is_active:
      <input type="hidden" name="action" value="inactive"><button type="submit">Mark inactive</button>
    % else:
      <input type="hidden" name="action" value="active"><button type="submit">Mark active</button>
    % endif
    </form>
  </td></tr>
  <tr><th>created</th><td>${m.timestamp(Domain.timestamp_created)}</td></tr>
  <tr><th>from the domain queue</th><td>${m.boolean(Domain.is_from_queue_domain)}</td></tr>
  <tr><th>latest single-domain certificate</th><td>${Domain.certificate_signed_id__latest_single or '-'}</td></tr>
  <tr><th>latest multi-domain certificate</th><td>${Domain.certificate_signed_id__latest_multi or '-'}</td></tr>
</table>
