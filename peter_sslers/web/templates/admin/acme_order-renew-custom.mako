<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Renew ACME order ${AcmeOrder.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orders')}">ACME orders</a> / <a href="${request.route_path('admin:acme_order:focus', id=AcmeOrder.id)}">${AcmeOrder.id}</a> / Renew</%block>

<h1>Renew ACME order ${AcmeOrder.id} ${m.json_twin()}</h1>
<p>A new order for ${m.domain_names(AcmeOrder.domains_as_list)}.</p>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_order:focus:renew:custom', id=AcmeOrder.id)}">${csrf_input()}
  <%include file="/admin/acme_order-form-fields.mako" args="form_values=form_values, default_label='the account of the order'"/>
  <p><button type="submit">Renew</button></p>
</form>
