<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_certificate-macros.mako"/>
<%block name="title">Process the renewal queue</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / Process</%block>

<h1>Process the renewal queue ${m.json_twin()}</h1>
% if results is not None:
  % if not results['count_total']:
<div class="alert alert-success">No item is ready: nothing was processed.${' %s item(s) wait for the CA\'s rate limits.' % results['count_waiting_later'] if results.get('count_waiting_later') else ''}</div>
  % elif results.get('items') is not None:
<div class="alert ${'alert-danger' if results['count_fail'] else 'alert-success'}">${results['count_total']} item(s) processed: ${results['count_success']} renewed, ${results['count_fail']} failed, ${results['count_deferred']} deferred.</div>
<ul id="queue-items">
    % for item in results['items']:
  <li><a href="${request.route_path('admin:queue_certificate:focus', id=item['queue_certificate_id'])}">${item['queue_certificate_id']}</a>: ${item['result']}${(': ' + item['error']) if item['error'] else ''}</li>
    % endfor
</ul>
  % elif results.get('count_deferred'):
<div class="alert alert-warning">Item <a href="${request.route_path('admin:queue_certificate:focus', id=results['QueueCertificate'].id)}">${results['QueueCertificate'].id}</a> deferred, nothing was sent: ${'; '.join(results['deferred'].values())}</div>
  % elif results['count_success']:
<div class="alert alert-success">Item <a href="${request.route_path('admin:queue_certificate:focus', id=results['QueueCertificate'].id)}">${results['QueueCertificate'].id}</a> renewed (${m.domain_names(results['QueueCertificate'].domains_as_list)}).</div>
  % else:
<div class="alert alert-danger">Item <a href="${request.route_path('admin:queue_certificate:focus', id=results['QueueCertificate'].id)}">${results['QueueCertificate'].id}</a> failed: ${'; '.join(results['failures'].values())}</div>
  % endif
% endif
<table class="table">
  <tr><th>waiting</th><td id="queue-waiting">${queue_count}</td></tr>
  <tr><th>renewed</th><td id="queue-successes"><a href="${request.route_path('admin:queue_certificates:successes')}">${counts['successes']}</a></td></tr>
  <tr><th>failed</th><td id="queue-failures"><a href="${request.route_path('admin:queue_certificates:failures')}">${counts['failures']}</a></td></tr>
</table>
% if queue_count:
<form method="POST" action="${request.route_path('admin:queue_certificates:process')}">${csrf_input()}
  <button type="submit">Process next item</button>
</form>
<form method="POST" action="${request.route_path('admin:queue_certificates:process')}">${csrf_input()}
  <label for="max_items">Or up to</label>
  <input type="number" id="max_items" name="max_items" min="1" max="1000" value="${min(queue_count, 1000)}">
  <button type="submit">Process these items</button> (${request.registry.app_settings.queue_process_concurrency} at once)
</form>
<p>Each press of the first button renews ONE item (an ACME order); the second up to that many. This page
never processes anything on its own.</p>
% endif
