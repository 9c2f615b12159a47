<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_certificate-macros.mako"/>
<%block name="title">Process the renewal queue</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / Process</%block>

% if refresh_url:
<meta http-equiv="refresh" content="1; url=${refresh_url}">
% endif
<h1>Process the renewal queue ${m.json_twin()}</h1>
% if results is not None:
  % if not results['count_total']:
<div class="alert alert-success">The queue is empty: nothing was processed.</div>
  % elif results['count_success']:
<div class="alert alert-success">Item <a href="${request.route_path('admin:queue_certificate:focus', id=results['QueueCertificate'].id)}">${results['QueueCertificate'].id}</a> renewed (${', '.join(results['QueueCertificate'].domains_as_list)}).</div>
  % else:
<div class="alert alert-danger">Item <a href="${request.route_path('admin:queue_certificate:focus', id=results['QueueCertificate'].id)}">${results['QueueCertificate'].id}</a> failed: ${'; '.join(results['failures'].values())}</div>
  % endif
% endif
<p>${queue_count} item${'' if queue_count == 1 else 's'} waiting.
% if refresh_url:
Continuing with the next one&hellip; (<a href="${request.route_path('admin:queue_certificates:unprocessed')}">stop</a>)
% endif
</p>
% if queue_count and not refresh_url:
<form method="POST" action="${request.route_path('admin:queue_certificates:process')}">${csrf_input()}
  <button type="submit">Process (one item a page, until the queue is empty)</button>
</form>
% endif
<p><a href="${request.route_path('admin:queue_certificates:failures')}">Failures</a> ·
<a href="${request.route_path('admin:queue_certificates:successes')}">Successes</a></p>
