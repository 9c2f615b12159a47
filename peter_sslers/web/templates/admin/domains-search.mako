<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Search Domains</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / Search</%block>

<h1>Search Domains ${m.json_link(request.route_path('admin:domains:search|json'))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:domains:search')}">${csrf_input()}
  <label for="domain">Domain name (or part of one)</label>${m.field_error(form_errors, 'domain')}
  <input type="text" id="domain" name="domain" value="${form_values.get('domain', '')}"
         placeholder="bücher.example" required>
  <button type="submit">Search</button>
</form>
<p class="muted">Any case; a trailing dot; an internationalised name in Unicode or in punycode.</p>
% if search_results is not None:
<h2>Domain <code>${search_results['query']}</code></h2>
  % if search_results['Domain'] is not None:
<p><a href="${request.route_path('admin:domain:focus', domain_identifier=search_results['Domain'].id)}">Domain ${search_results['Domain'].id}</a>
  (${'active' if search_results['Domain'].is_active else 'inactive'})</p>
  % else:
<p class="muted">No Domain of this name.</p>
  % endif

<h2>Domains whose name contains it</h2>
  % if search_results['Domains']:
<ul>
    % for d in search_results['Domains']:
  <li><a href="${request.route_path('admin:domain:focus', domain_identifier=d.id)}">${d.domain_name}</a>${'' if d.is_active else ' (inactive)'}</li>
    % endfor
</ul>
  % else:
<p class="muted">None.</p>
  % endif

<h2>Certificates with a matching SAN</h2>
  % if search_results['CertificateSigneds']:
${m.table_certificate_signeds(search_results['CertificateSigneds'])}
  % else:
<p class="muted">None.</p>
  % endif

<h2>Domain queue</h2>
  % if search_results['QueueDomainActive'] is not None:
<p>Waiting: <a href="${request.route_path('admin:queue_domain:focus', id=search_results['QueueDomainActive'].id)}">queue item ${search_results['QueueDomainActive'].id}</a></p>
  % else:
<p class="muted">Not waiting in the domain queue.</p>
  % endif
  % if search_results['QueueDomainsInactive']:
<ul>
    % for q in search_results['QueueDomainsInactive']:
  <li><a href="${request.route_path('admin:queue_domain:focus', id=q.id)}">queue item ${q.id}</a>: ${'processed' if q.is_active is False else 'cancelled'} ${m.timestamp(q.timestamp_processed)}</li>
    % endfor
</ul>
  % endif
% endif
