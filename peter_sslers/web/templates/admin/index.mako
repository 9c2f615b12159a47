<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Admin</%block>
<%block name="breadcrumb">Admin</%block>

<h1>peter_sslers ${m.json_twin()}</h1>
<p>A certificate manager for many domains on many machines. Admin tool at <code>${request.admin_url}</code>.</p>

<section class="dashboard" aria-labelledby="dashboard-health">
  <h2 id="dashboard-health">Health:
    <span class="health health-${snapshot.status}">${snapshot.status}</span>
    <a class="json" href="${request.route_path('admin:api:health')}">details</a></h2>
% if snapshot.reasons:
  <ul class="reasons">
  % for reason in snapshot.reasons:
    <li>${reason}</li>
  % endfor
  </ul>
% endif
  <div class="figures">
  % for figure in figures:
    <a class="figure${' figure-alert' if figure['count'] else ''}" id="figure-${figure['key']}" href="${figure['url']}">
      <span class="count">${figure['count']}</span>
      <span class="label">${figure['label']}</span>
    </a>
  % endfor
  % if coverage_events['count']:
    <a class="figure figure-alert" id="figure-coverage_events_unresolved" href="${coverage_events['url']}">
      <span class="count">${coverage_events['count']}</span>
      <span class="label">Coverage events unresolved</span>
    </a>
  % endif
  </div>

  <h2>Queues</h2>
  <table class="kv">
  % for label, queue in (('Renewal queue', queues['queue_certificate']), ('Domain queue', queues['queue_domain'])):
    <tr><th>${label}</th>
        <td><a href="${queue['url']}">${queue['waiting']} waiting</a>
        % if queue['oldest_waiting']:
          ; oldest: <a href="${queue['oldest_waiting']['url']}">#${queue['oldest_waiting']['id']}</a>,
          queued ${queue['oldest_waiting']['timestamp_created'][:19].replace('T', ' ')} UTC
          (${m.age(queue['oldest_waiting']['seconds'])} ago)
        % endif
        </td></tr>
  % endfor
  </table>

  <h2>Edge</h2>
  <table class="kv">
  % for label, state, link in (('Redis', redis, request.route_path('admin:operations:redis')), ('nginx', nginx, request.route_path('admin:operations:nginx'))):
    <tr><th>${label}</th>
        <td><span class="badge edge-${state.label}${' ok' if state.reachable else ' bad' if state.reachable is False else ''}">${state.label}</span>
        % if state.server:
          <code>${state.server}</code>
        % endif
        % if state.error:
          <span class="muted">${state.error}</span>
        % endif
          (<a href="${link}">operations</a>)
        </td></tr>
  % endfor
  </table>
</section>

<section>
  <h2>Setup</h2>
  <table class="kv">
    <tr><th>Default ACME server</th>
        <td>
        % if AcmeAccountProvider_Default:
          ${AcmeAccountProvider_Default.name} <code>${AcmeAccountProvider_Default.directory}</code>
        % else:
          <em>none</em>
        % endif
        </td></tr>
    <tr><th>Global default ACME account</th>
        <td>
        % if AcmeAccount_GlobalDefault:
          ${AcmeAccount_GlobalDefault.contact or AcmeAccount_GlobalDefault.id}
        % else:
          <em>none yet: orders need an account to be chosen</em>
        % endif
        </td></tr>
    <tr><th>Domains</th><td><a href="${request.route_path('admin:domains')}">${count_domains}</a></td></tr>
  </table>
</section>

<section>
  <h2>Objects</h2>
  <ul>
    <li><a href="${request.route_path('admin:domains')}">Domains</a> (<a href="${request.route_path('admin:domain:new')}">add one</a>),
        <a href="${request.route_path('admin:domains_blocklisted')}">blocklisted names</a></li>
    <li><a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> and their
        <a href="${request.route_path('admin:acme_dns_server_accounts')}">per-domain accounts</a> (dns-01)</li>
    <li><a href="${request.route_path('admin:dns_backend_rfc2136s')}">DNS backends (RFC 2136)</a>: the zones whose dns-01
        records are published by dynamic updates (<a href="${request.route_path('admin:dns_backend_rfc2136:new')}">add one</a>)</li>
% if request.registry.app_settings.enable_acme_flow:
    <li><a href="${request.route_path('admin:acme_orderlesss')}">AcmeOrderless (ACME-flow)</a>: manual http-01 challenges for
        another ACME client's order (<a href="${request.route_path('admin:acme_orderless:new')}">new</a>)</li>
% endif
    <li><a href="${request.route_path('admin:coverage_assurance_events:unresolved')}">Coverage assurance events</a>:
        what endangers a name's certificate (<a href="${request.route_path('admin:coverage_assurance_events:all')}">all</a>,
        <a href="${request.route_path('admin:notifications')}">notifications sent</a>)</li>
    <li><a href="${request.route_path('admin:operations:log')}">Operations log</a>
        (<a href="${request.route_path('admin:operations:redis')}">Redis primes</a>)</li>
  </ul>
  <h2>API jobs</h2>
  <ul>
    <li><a href="${request.route_path('admin:api:update_recents')}">Update recents</a></li>
    <li><a href="${request.route_path('admin:api:deactivate_expired')}">Deactivate expired</a></li>
    <li><a href="${request.route_path('admin:api:queue_domains:process')}">Process the domain queue</a></li>
    <li><a href="${request.route_path('admin:api:queue_certificates:update')}">Update the renewal queue</a>,
        <a href="${request.route_path('admin:api:queue_certificates:process')}">process it</a></li>
    <li><a href="${request.route_path('admin:api:notifications:deliver')}">Send the notifications that are due</a></li>
    <li><a href="${request.route_path('admin:api:redis:prime')}">Prime Redis</a>${'' if request.registry.app_settings.enable_redis else ' (Redis is not enabled)'}</li>
    <li><a href="${request.route_path('admin:api:reconcile_cas')}">Reconcile CAs</a>: fetch missing issuers from their caIssuers URIs</li>
  </ul>
  <h2>The tool</h2>
  <ul>
    <li><a href="${request.route_path('admin:api:health')}">Health</a>: expiring certificates, failed renewals, queues
        (<a href="${request.route_path('admin:api:metrics')}">Prometheus metrics</a>)</li>
    <li><a href="${request.route_path('admin:api')}">JSON API</a>: every endpoint, documented</li>
    <li><a href="${request.route_path('admin:settings')}">Settings</a>: the effective configuration</li>
    <li><a href="${request.route_path('admin:help')}">Help</a></li>
  </ul>
</section>
