<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<% c = AcmeChallenge %>
<% r = lambda name: request.route_path(name, id=c.id) %>
<%block name="title">ACME challenge ${AcmeChallenge.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_challenges')}">ACME challenges</a> / ${AcmeChallenge.id}</%block>

<h1>ACME challenge ${c.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domain</th><td><a href="${request.route_path('admin:domain:focus', domain_identifier=c.domain.domain_name)}">${c.domain.domain_name}</a></td></tr>
  <tr><th>type</th><td>${c.acme_challenge_type}</td></tr>
  <tr><th>status</th><td>${a.status(c.acme_status_challenge)}</td></tr>
  <tr><th>authorization</th><td><a href="${request.route_path('admin:acme_authorization:focus', id=c.acme_authorization_id)}">authorization ${c.acme_authorization_id}</a></td></tr>
  <tr><th>URL</th><td><code>${c.challenge_url}</code></td></tr>
  <tr><th>token</th><td><code>${c.token}</code></td></tr>
  <tr><th>key authorization</th><td><code>${c.keyauthorization or '-'}</code></td></tr>
  % if c.acme_challenge_type == 'http-01':
  <tr><th>served at</th><td><code>http://${c.domain.domain_name}/.well-known/acme-challenge/${c.token}</code></td></tr>
  % elif c.acme_challenge_type == 'dns-01':
  <tr><th>record</th><td><code>_acme-challenge.${c.domain.domain_name}</code> TXT (published when triggered: the name's acme-dns account or DNS backend)</td></tr>
  % endif
  <tr><th>created / updated</th><td>${m.timestamp(c.timestamp_created)} / ${m.timestamp(c.timestamp_updated)}</td></tr>
</table>
<div class="actions">
  ${a.post_button(r('admin:acme_challenge:focus:acme_server:sync'), 'Sync with the ACME server')}
% if is_can_trigger:
  ${a.post_button(r('admin:acme_challenge:focus:acme_server:trigger'), 'Tell the ACME server it is ready')}
% endif
</div>
