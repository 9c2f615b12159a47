<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Audit of ACME order ${AcmeOrder.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orders')}">ACME orders</a> / <a href="${request.route_path('admin:acme_order:focus', id=AcmeOrder.id)}">${AcmeOrder.id}</a> / audit</%block>
<% r = AuditReport %>

<h1>Audit of ACME order ${AcmeOrder.id} ${m.json_twin()}</h1>
<p class="muted">From the database only: nothing is asked of the ACME server. To read the server's view, sync the order.</p>

<h2>Problems</h2>
% if r['problems']:
<ul>
  % for p in r['problems']:
  <li>${p}</li>
  % endfor
</ul>
% else:
<p>None found.</p>
% endif

<h2>Order</h2>
<table class="kv">
% for key, value in r['AcmeOrder'].items():
  <tr><th>${key}</th><td>${'-' if value is None else value}</td></tr>
% endfor
</table>

<h2>Account, ACME server, key, names</h2>
<table class="kv">
  <tr><th>ACME account</th><td><a href="${request.route_path('admin:acme_account:focus', id=r['AcmeAccount']['id'])}">${r['AcmeAccount']['id']}</a>
    ${r['AcmeAccount']['contact'] or ''}, ${'active' if r['AcmeAccount']['is_active'] else 'inactive'}, account URL: ${r['AcmeAccount']['account_url'] or '-'}</td></tr>
  <tr><th>ACME server</th><td>${r['AcmeAccountProvider']['name']} (${r['AcmeAccountProvider']['directory'] or '-'}), ${'enabled' if r['AcmeAccountProvider']['is_enabled'] else 'not enabled'}</td></tr>
  <tr><th>private key</th><td>
  % if r['PrivateKey']['is_placeholder']:
    chosen at finalize (${m.human(r['PrivateKey']['private_key_strategy__requested'])})
  % else:
    <a href="${request.route_path('admin:private_key:focus', id=r['PrivateKey']['id'])}">${r['PrivateKey']['id']}</a>,
    ${'active' if r['PrivateKey']['is_active'] else 'inactive'}${', compromised' if r['PrivateKey']['is_compromised'] else ''}
  % endif
  </td></tr>
  <tr><th>names</th><td><a href="${request.route_path('admin:unique_fqdn_set:focus', id=r['UniqueFQDNSet']['id'])}">set ${r['UniqueFQDNSet']['id']}</a>:
    ${', '.join('%s (%s)' % item for item in sorted(r['UniqueFQDNSet']['domains_challenged'].items()))}</td></tr>
</table>

<h2>Authorizations</h2>
% if r['AcmeAuthorizations']:
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>status</th><th>expires</th><th>challenge used</th><th>challenges</th><th>http-01</th></tr></thead>
  <tbody>
  % for a in r['AcmeAuthorizations']:
    <tr>
      <td><a href="${request.route_path('admin:acme_authorization:focus', id=a['id'])}">${a['id']}</a></td>
      <td>${a['domain_name'] or '(not fetched yet)'}</td>
      <td>${m.human(a['acme_status_authorization'])}</td>
      <td>${a['timestamp_expires'] or '-'}</td>
      <td>${a['acme_challenge_type__expected'] or '-'}</td>
      <td>${', '.join('%s: %s' % item for item in sorted(a['AcmeChallenges'].items())) or '-'}</td>
      <td>
      % if a['http-01']:
        <a href="${request.route_path('admin:acme_challenge:focus', id=a['http-01']['id'])}">${m.human(a['http-01']['acme_status_challenge'])}</a>,
        ${'answered by the responder now' if a['http-01']['is_answered_by_responder'] else 'not answered by the responder now'}
      % else:
        -
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p class="muted">None known here.</p>
% endif
