<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Process the domain queue</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_domains')}">Domain queue</a> / Process</%block>

<h1>Process the domain queue ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<p>${queue_count} name${'' if queue_count == 1 else 's'} waiting. The oldest go into ONE ACME order
(from ${queue_min} to ${queue_max} names a certificate), or with <em>Orders</em> into up to that many
orders, ${request.registry.app_settings.queue_process_concurrency} at once.</p>
<form method="POST" action="${request.route_path('admin:queue_domains:process')}">${csrf_input()}
  <label for="max_domains_per_certificate">Names in the certificate (at most)</label>${m.field_error(form_errors, 'max_domains_per_certificate')}
  <input type="number" id="max_domains_per_certificate" name="max_domains_per_certificate" min="${queue_min}" max="${queue_max}" value="${form_values.get('max_domains_per_certificate', queue_max)}">
  <label for="max_items">Orders (at most; empty: one)</label>${m.field_error(form_errors, 'max_items')}
  <input type="number" id="max_items" name="max_items" min="1" max="1000" value="${form_values.get('max_items', '')}">
  <%include file="/admin/acme_order-form-fields.mako" args="form_values=form_values, default_label='the global default account'"/>
  <p><button type="submit">Process</button></p>
</form>
