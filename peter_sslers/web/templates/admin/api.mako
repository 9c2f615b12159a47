<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">JSON API</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / API</%block>

<h1>JSON API ${m.json_link(request.route_path('admin:api|json'))}</h1>
<p>Every JSON endpoint of this instance, from the views' own declarations. Paths are relative to this host;
<code>{name}</code> parts are placeholders. Actions need an HTTP POST of form fields; a GET on them returns
this documentation as JSON.</p>
<% sections = [] %>\
% for endpoint in endpoints:
<% sections.append(endpoint['section']) if endpoint['section'] not in sections else None %>\
% endfor
<nav class="toc" aria-label="Contents">
  <h2>Contents</h2>
  <ul>
    <li><a href="#jobs">Jobs</a></li>
  % for section in sections:
    <li><a href="#api-${section}">${section.replace('_', ' ')}</a></li>
  % endfor
  </ul>
</nav>
<h2 id="jobs">Jobs</h2>
<ul>
  <li><a href="${request.route_path('admin:api:update_recents')}">Update recents</a>,
    <a href="${request.route_path('admin:api:deactivate_expired')}">deactivate expired</a>,
    <a href="${request.route_path('admin:api:reconcile_cas')}">reconcile CAs</a></li>
  <li>Redis:
  % if request.registry.app_settings.enable_redis:
    <a href="${request.route_path('admin:api:redis:prime')}">prime Redis</a>,
  % else:
    <span class="muted">not enabled</span>;
  % endif
    <a href="${request.route_path('admin:operations:redis')}">Redis primes</a></li>
  <li>nginx:
  % if request.registry.app_settings.enable_nginx:
    <a href="${request.route_path('admin:api:nginx:cache_flush')}">flush every server's cache</a>,
    <a href="${request.route_path('admin:api:nginx:status|json')}">status of every server (.json)</a>,
  % else:
    <span class="muted">not enabled</span>;
  % endif
    <a href="${request.route_path('admin:operations:nginx')}">nginx operations</a></li>
</ul>
<h2>Domains</h2>
<ul>
  <li>Certificates on request: <a href="${request.route_path('admin:api:domain:autocert')}">autocert</a> (the edge's call),
    <a href="${request.route_path('admin:api:domain:certificate_if_needed')}">certificate if needed</a>,
    <a href="${request.route_path('admin:domain_autocerts')}">autocert attempts</a></li>
  <li><a href="${request.route_path('admin:api:domain:enable')}">Enable domains</a>,
    <a href="${request.route_path('admin:api:domain:disable')}">disable domains</a></li>
</ul>
<h2>Endpoints</h2>
<table class="list api">
  <thead><tr><th>endpoint</th><th>method</th><th>about</th><th>fields</th></tr></thead>
  <tbody>
  <% last_section = None %>\
  % for endpoint in endpoints:
    % if endpoint['section'] != last_section:
    <tr class="section" id="api-${endpoint['section']}"><th colspan="4">${endpoint['section'].replace('_', ' ')}</th></tr>
    <% last_section = endpoint['section'] %>\
    % endif
    <tr>
      <td><code>${endpoint['endpoint']}</code>${' (paged)' if endpoint.get('paginated') else ''}</td>
      <td>${endpoint['method']}</td>
      <td>${endpoint['about']}
        % if endpoint.get('example'):
          <pre>${endpoint['example']}</pre>
        % endif
      </td>
      <td>
        % for field, text in sorted(endpoint.get('form_fields', {}).items()):
          <div><code>${field}</code>: ${text}
          % if field in endpoint.get('valid_options', {}):
            (one of: ${', '.join(endpoint['valid_options'][field])})
          % endif
          </div>
        % endfor
      </td>
    </tr>
  % endfor
  </tbody>
</table>
