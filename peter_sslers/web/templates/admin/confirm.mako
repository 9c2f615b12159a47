<%inherit file="/admin/layout.mako"/>
<%block name="title">Confirm: ${operation.replace('-', ' ')}</%block>

<h1>Are you sure?</h1>
<div class="alert alert-danger" role="alert">
  <p>${question}</p>
  <p><strong>This cannot be undone.</strong> Nothing has been done yet.</p>
</div>
<form id="confirm" method="POST" action="${action_url}">${csrf_input()}
% for name, value in fields:
  <input type="hidden" name="${name}" value="${value}">
% endfor
  <input type="hidden" name="confirm" value="1">
  <div class="actions">
    <button type="submit" class="danger">${button_label}</button>
    <a class="button secondary" href="${cancel_url}">Cancel, go back</a>
  </div>
</form>
