<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">New ACME order</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orders')}">ACME orders</a> / New</%block>

<h1>New ACME order ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_order:new:freeform')}">${csrf_input()}
  <label for="domain_names_http01">Domain names (http-01), separated by commas</label>${m.field_error(form_errors, 'domain_names_http01')}
  <input type="text" id="domain_names_http01" name="domain_names_http01" value="${form_values.get('domain_names_http01', '')}">
  <label for="domain_names_dns01">Domain names (dns-01), separated by commas; wildcards (<code>*.example.com</code>) only here</label>${m.field_error(form_errors, 'domain_names_dns01')}
  <input type="text" id="domain_names_dns01" name="domain_names_dns01" value="${form_values.get('domain_names_dns01', '')}">
  <p class="help">A dns-01 name needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns account for the name:
    its TXT record is published, checked at the zone's authoritative servers, and removed once validated.</p>
  <%include file="/admin/acme_order-form-fields.mako" args="form_values=form_values, default_label='the global default account'"/>
  <p><button type="submit">Order</button></p>
</form>
