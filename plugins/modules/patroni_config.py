#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: patroni_config
short_description: Set keys of Patroni's dynamic configuration declaratively
version_added: 0.1.0
description:
  - Reads the dynamic configuration (C(GET /config)), compares it with O(config) key by key (nested dictionaries
    such as C(postgresql.parameters) recursively) and sends C(PATCH /config) with only the keys that differ. Keys
    O(config) leaves out are left alone; a key set to null is removed. Values compare as Patroni compares them, by
    their text, so C(100) and C("100") are the same setting.
  - Refuses a result where C(loop_wait + 2 * retry_timeout) exceeds C(ttl), which could let the leader lose its
    lease while it is still retrying.
  - Warns about top-level keys that are not part of Patroni 4.0's dynamic configuration (a typo is otherwise
    stored and ignored). Settings that need a restart show up as C(pending_restart) in
    M(hastack.platform.patroni_cluster_info).
author: hastack.platform maintainers (@hastack)
extends_documentation_fragment:
  - hastack.platform.patroni_api
attributes:
  check_mode:
    support: full
    description: Reads and compares, reports the diff, sends nothing.
  diff_mode:
    support: full
    description: Before and after of the keys that differ.
options:
  config:
    description:
      - "The part of the dynamic configuration to enforce, for example C({ttl: 30, loop_wait: 10, retry_timeout: 10,
        failsafe_mode: true, synchronous_mode: quorum, postgresql: {parameters: {max_connections: 200}}})."
      - The top-level keys Patroni 4.0 knows are C(loop_wait), C(ttl), C(retry_timeout), C(maximum_lag_on_failover),
        C(maximum_lag_on_syncnode), C(max_timelines_history), C(primary_start_timeout), C(primary_stop_timeout),
        C(synchronous_mode), C(synchronous_mode_strict), C(synchronous_node_count), C(failsafe_mode),
        C(check_timeline), C(postgresql), C(standby_cluster), C(member_slots_ttl), C(slots), C(ignore_slots).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Lease timers, failsafe and quorum commit
  hastack.platform.patroni_config:
    endpoints: [https://db1.example:8008, https://db2.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"
    config:
      ttl: 30
      loop_wait: 5
      retry_timeout: 10
      failsafe_mode: true
      synchronous_mode: quorum
      postgresql:
        parameters:
          max_connections: 200
          work_mem: null  # back to Patroni's/PostgreSQL's default
"""

RETURN = r"""
patch:
  description: The body sent with C(PATCH /config) (or that would be, in check mode); empty when nothing differs.
  type: dict
  returned: always
config:
  description: The whole dynamic configuration after the change (in check mode, as it would be).
  type: dict
  returned: always
diff:
  description: C(before) and C(after) of the keys that differ (empty when nothing does); shown with C(--diff).
  type: dict
  returned: always
unknown_keys:
  description: Top-level keys of O(config) that Patroni 4.0's dynamic configuration does not know.
  type: list
  elements: str
  returned: always
"""

from ansible_collections.hastack.platform.plugins.module_utils.patroni_api import (
    api_module,
    DYNAMIC_KEYS,
    PatroniApiError,
    PatroniClient,
    apply_config,
    read_cluster,
)


def main():
    module = api_module(config=dict(type='dict', required=True))
    unknown = sorted(k for k in module.params['config'] if k not in DYNAMIC_KEYS)
    for key in unknown:
        module.warn('%s is not a key of Patroni 4.0\'s dynamic configuration; Patroni stores it but may ignore it.' % key)
    try:
        client = PatroniClient.from_params(module.params)
        view = read_cluster(client, with_config=False)[0]
        changed, patch, before, after, config = apply_config(client, view, module.params['config'], module.check_mode)
    except PatroniApiError as exc:
        module.fail_json(msg=str(exc), url=exc.url, status=exc.status)
    module.exit_json(changed=changed, patch=patch, config=config, unknown_keys=unknown,
                     diff=dict(before=before, after=after, before_header='/config', after_header='/config'))


if __name__ == '__main__':
    main()
