<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">API: certificate if needed</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / Certificate if needed</%block>

<h1>Certificate if needed ${m.json_twin()}</h1>
<p>A valid certificate for one name: the one it has, or a new order (http-01, carried through now) with the
account and key chosen here. The autocert policy does not apply (this is the operator's call); the blocklist
and the Domain's own switch do. docs/Autocert.md explains the rules.</p>
${m.form_errors(form_errors)}
% if answer:
  % for name, r in answer['domain_results'].items():
<div class="alert alert-success">${name}: certificate ${'found' if r['certificate_signed.status'] == 'exists' else 'issued'}:
  <a href="${request.route_path('admin:certificate_signed:focus', id=r['certificate_signed.id'])}">certificate ${r['certificate_signed.id']}</a>
  % if r['acme_order.id']:
  (<a href="${request.route_path('admin:acme_order:focus', id=r['acme_order.id'])}">order ${r['acme_order.id']}</a>)
  % endif
</div>
  % endfor
% endif
<form method="POST" action="${request.route_path('admin:api:domain:certificate_if_needed')}">${csrf_input()}
  <label for="domain_name">Domain name</label>
  <input type="text" id="domain_name" name="domain_name" value="${form_values.get('domain_name', '')[:255]}">
  <%include file="/admin/acme_order-form-fields.mako" args="form_values=form_values, default_label='the global default account'"/>
  <p><button type="submit">Get its certificate</button></p>
</form>
