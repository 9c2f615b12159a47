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
    <a class="brand" href="${request.route_path('admin')}"${' aria-current="page"' if request.matched_route is not None and request.matched_route.name == 'admin' else '' | n}>peter_sslers</a>
    <nav aria-label="Sections">
${m.nav_links()}
    </nav>
    <form class="header-search" role="search" method="GET" action="${request.route_path('admin:domains:search')}">
      <input type="search" name="domain" aria-label="Find a domain name" placeholder="Find a domain&hellip;">
      <button type="submit">Search</button>
    </form>
    <span class="warning">Admin views expose private keys: keep them on a private network.</span>
  </header>
  <main>
    <nav class="breadcrumb"><%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a></%block></nav>
    ${m.result_banner()}
    ${next.body()}
  </main>
</body>
</html>
