## Shared bits of the ACME pages (accounts, orders, authorizations, challenges, event logs).
<%namespace name="m" file="/admin/_macros.mako"/>

<%def name="status(value)">\
<% good = value in ('valid', 'ready'); bad = value in ('invalid', 'deactivated', 'revoked', 'expired') or (value or '').startswith('*4') %>\
<span class="badge${' ok' if good else ' bad' if bad else ''}">${m.human(value)}</span>\
</%def>

<%def name="account_link(account_id)">\
<a href="${request.route_path('admin:acme_account:focus', id=account_id)}">account ${account_id}</a>\
</%def>

<%def name="table_acme_accounts(items)">
<table class="list">
  <thead><tr><th>id</th><th>contact</th><th>ACME server</th><th>key</th><th>status</th><th>orders</th><th>certificates</th><th>created</th></tr></thead>
  <tbody>
  % for a in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_account:focus', id=a.id)}">${a.id}</a></td>
      <td>${a.contact or '-'}</td>
      <td>${a.acme_account_provider.name}</td>
      <td>${a.acme_account_key.key_technology if a.acme_account_key else '-'}</td>
      <td>
      % if a.is_global_default:
        <span class="badge ok">global default</span>
      % endif
      % if a.timestamp_deactivated:
        <span class="badge bad">deactivated</span>
      % elif a.is_active:
        <span class="badge ok">active</span>
      % else:
        <span class="badge">inactive</span>
      % endif
      % if not a.account_url:
        <span class="badge">not registered</span>
      % endif
      </td>
      <td>${a.count_acme_orders}</td>
      <td>${a.count_certificate_signeds}</td>
      <td>${m.timestamp(a.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

<%def name="table_acme_orders(items)">
<table class="list">
  <thead><tr><th>id</th><th>domains</th><th>status</th><th>processing</th><th>strategy</th><th>account</th><th>certificate</th><th>created</th></tr></thead>
  <tbody>
  % for o in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_order:focus', id=o.id)}">${o.id}</a></td>
      <td>${m.domain_names(o.domains_as_list)}</td>
      <td>${status(o.acme_status_order)}</td>
      <td>${o.acme_order_processing_status}</td>
      <td>${o.acme_order_processing_strategy}</td>
      <td>${account_link(o.acme_account_id)}</td>
      <td>
      % if o.certificate_signed_id:
        <a href="${request.route_path('admin:certificate_signed:focus', id=o.certificate_signed_id)}">${o.certificate_signed_id}</a>
      % else:
        -
      % endif
      </td>
      <td>${m.timestamp(o.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

<%def name="table_acme_authorizations(items)">
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>status</th><th>expires</th><th>first order</th><th>updated</th></tr></thead>
  <tbody>
  % for a in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_authorization:focus', id=a.id)}">${a.id}</a></td>
      <td>${a.domain.domain_name if a.domain else '(not fetched yet)'}</td>
      <td>${status(a.acme_status_authorization)}</td>
      <td>${m.timestamp(a.timestamp_expires)}</td>
      <td><a href="${request.route_path('admin:acme_order:focus', id=a.acme_order_id__created)}">order ${a.acme_order_id__created}</a></td>
      <td>${m.timestamp(a.timestamp_updated)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

<%def name="table_acme_challenges(items)">
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>type</th><th>status</th><th>token</th><th>authorization</th><th>updated</th></tr></thead>
  <tbody>
  % for c in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_challenge:focus', id=c.id)}">${c.id}</a></td>
      <td>${c.domain.domain_name}</td>
      <td>${c.acme_challenge_type}</td>
      <td>${status(c.acme_status_challenge)}</td>
      <td><code>${c.token}</code></td>
      <td><a href="${request.route_path('admin:acme_authorization:focus', id=c.acme_authorization_id)}">${c.acme_authorization_id}</a></td>
      <td>${m.timestamp(c.timestamp_updated)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

<%def name="table_acme_event_logs(items)">
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>event</th><th>request</th><th>status</th><th>problem</th><th>order</th></tr></thead>
  <tbody>
  % for e in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_event_log:focus', id=e.id)}">${e.id}</a></td>
      <td>${m.timestamp(e.timestamp_event)}</td>
      <td>${e.acme_event}</td>
      <td><code>${e.request_method or ''} ${e.request_url or ''}</code></td>
      <td>${e.response_status if e.response_status is not None else '-'}</td>
      <td>${e.problem_type or ''}</td>
      <td>
      % if e.acme_order_id:
        <a href="${request.route_path('admin:acme_order:focus', id=e.acme_order_id)}">${e.acme_order_id}</a>
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

## ``danger``: an irreversible action (styled so; its view asks again before it runs).
<%def name="post_button(url, label, fields=None, danger=False)">\
<form class="inline" method="POST" action="${url}">${csrf_input()}\
% for name, value in (fields or {}).items():
<input type="hidden" name="${name}" value="${value}">\
% endfor
<button type="submit"${' class="danger"' if danger else '' | n}>${label}</button></form>\
</%def>

<%def name="select(name, options, selected, required=False)">\
<select id="${name}" name="${name}"${' required' if required else ''}>
% for option in options:
  <option value="${option}"${' selected' if str(option) == str(selected) else ''}>${option}</option>
% endfor
</select>\
</%def>
