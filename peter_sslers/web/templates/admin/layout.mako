<%namespace name="m" file="/admin/_macros.mako"/>\
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title><%block name="title">peter_sslers</%block> · peter_sslers admin</title>
  <link rel="stylesheet" href="${request.static_path('peter_sslers.web:static/admin.css')}">
  <link rel="icon" type="image/svg+xml" href="${request.static_path('peter_sslers.web:static/favicon.svg')}">
</head>
<body>
  <header class="topbar">
    <a class="brand" href="${request.route_path('admin')}">peter_sslers</a>
    <nav>
      <a href="${request.route_path('admin:domains')}">Domains</a>
      <a href="${request.route_path('admin:acme_orders')}">Orders</a>
      <a href="${request.route_path('admin:acme_accounts')}">Accounts</a>
      <a href="${request.route_path('admin:certificate_signeds')}">Certificates</a>
      <a href="${request.route_path('admin:private_keys')}">Keys</a>
      <a href="${request.route_path('admin:certificate_cas')}">CAs</a>
      <a href="${request.route_path('admin:unique_fqdn_sets')}">Sets</a>
      <a href="${request.route_path('admin:queue_domains')}">Queue</a>
      <a href="${request.route_path('admin:queue_certificates')}">Renewals</a>
      <a href="${request.route_path('admin:coverage_assurance_events:unresolved')}">Coverage</a>
      <a href="${request.route_path('admin:search')}">Search</a>
      <a href="${request.route_path('admin:operations:log')}">Operations</a>
      <a href="${request.route_path('admin:api')}">API</a>
      <a href="${request.route_path('admin:settings')}">Settings</a>
      <a href="${request.route_path('admin:help')}">Help</a>
    </nav>
    <span class="warning">Admin views expose private keys: keep them on a private network.</span>
  </header>
  <main>
    <nav class="breadcrumb"><%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a></%block></nav>
    ${m.result_banner()}
    ${next.body()}
  </main>
</body>
</html>
