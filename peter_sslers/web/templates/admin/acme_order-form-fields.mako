## The account, key and processing fields the new and renew forms share.
<%page args="form_values, default_label"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
  <label for="acme_account_id">ACME account</label>${m.field_error(context.get('form_errors', {}), 'acme_account_id')}
  <select id="acme_account_id" name="acme_account_id">
    <option value="">${default_label}${(' (account %s, %s)' % (AcmeAccount_GlobalDefault.id, AcmeAccount_GlobalDefault.contact)) if AcmeAccount_GlobalDefault is not None and default_label.startswith('the global') else ''}</option>
  % for acct in AcmeAccounts:
    <option value="${acct.id}"${' selected' if str(acct.id) == form_values.get('acme_account_id', '') else ''}>account ${acct.id}: ${acct.contact or '-'} on ${acct.acme_account_provider.name}</option>
  % endfor
  </select>
  <label for="processing_strategy">Processing</label>${m.field_error(context.get('form_errors', {}), 'processing_strategy')}
  ${a.select('processing_strategy', processing_strategies, form_values.get('processing_strategy', 'process_single'))}
  <label for="private_key_option">Certificate key</label>${m.field_error(context.get('form_errors', {}), 'private_key_option')}
  ${a.select('private_key_option', private_key_options, form_values.get('private_key_option', 'private_key_for_account_key'))}
  <label for="private_key_id">Existing private key id (with <code>private_key_existing</code>)</label>${m.field_error(context.get('form_errors', {}), 'private_key_id')}
  <input type="text" id="private_key_id" name="private_key_id" value="${form_values.get('private_key_id', '')}">
  <label for="private_key_cycle__renewal">Key of its renewals</label>${m.field_error(context.get('form_errors', {}), 'private_key_cycle__renewal')}
  ${a.select('private_key_cycle__renewal', private_key_cycles, form_values.get('private_key_cycle__renewal', 'account_key_default'))}
