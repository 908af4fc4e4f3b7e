#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: patroni_pause
short_description: Pause or resume Patroni's automatic failover
version_added: 0.1.0
description:
  - Puts the cluster in maintenance mode (O(state=paused)), where Patroni neither fails over nor restarts
    PostgreSQL, or takes it out (O(state=resumed)), as C(patronictl pause) and C(resume) do
    (C(PATCH /config) with C(pause) set to C(true), or to C(null) to resume).
  - Changes nothing when the cluster is already in that state. Otherwise waits until C(GET /cluster) and every
    member in O(endpoints) that answers report the new state (each member applies it in its next loop), and fails
    when one still does not after O(wait_timeout) seconds.
author: hastack.platform maintainers (@hastack)
extends_documentation_fragment:
  - hastack.platform.patroni_api
attributes:
  check_mode:
    support: full
    description: Reads the state and reports whether it would change it.
  diff_mode:
    support: none
    description: RV(paused) says what changed.
options:
  state:
    description: C(paused) turns automatic failover off, C(resumed) on.
    type: str
    choices: [paused, resumed]
    required: true
  wait_timeout:
    description: Seconds to wait for every member that answers to report the new state.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Pause automatic failover for maintenance
  hastack.platform.patroni_pause:
    state: paused
    endpoints: [https://db1.example:8008, https://db2.example:8008, https://db3.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"
"""

RETURN = r"""
paused:
  description: Whether automatic failover is paused now (in check mode, whether it would be).
  type: bool
  returned: always
previous_paused:
  description: Whether it was paused before.
  type: bool
  returned: always
"""

from ansible_collections.hastack.platform.plugins.module_utils.patroni_api import (
    api_module,
    PatroniApiError,
    PatroniClient,
    read_cluster,
    set_pause,
)


def main():
    module = api_module(
        state=dict(type='str', choices=['paused', 'resumed'], required=True),
        wait_timeout=dict(type='int', default=30),
    )
    wanted = module.params['state'] == 'paused'
    try:
        client = PatroniClient.from_params(module.params)
        view = read_cluster(client)[0]
        result = dict(changed=view['paused'] != wanted, paused=wanted, previous_paused=view['paused'])
        if result['changed'] and not module.check_mode:
            pending = set_pause(client, view, wanted, module.params['wait_timeout'])
            if pending:
                raise PatroniApiError('Patroni accepted %s but %s did not report it within %d s: a member cut off from '
                                      'the DCS keeps its old state; look at its Patroni log and patroni_cluster_info.'
                                      % ('the pause' if wanted else 'the resume', ', '.join(pending),
                                         module.params['wait_timeout']))
    except PatroniApiError as exc:
        module.fail_json(msg=str(exc), url=exc.url, status=exc.status)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
