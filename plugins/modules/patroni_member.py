#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: patroni_member
short_description: Restart, reinitialize or reload one Patroni member
version_added: 0.1.0
description:
  - Finds O(member) in the cluster view (C(GET /cluster)), makes the checks, then sends the request to that member's
    own REST API (C(POST /restart), C(POST /reinitialize) or C(POST /reload)) and waits until the member is back
    (PostgreSQL running, a replica streaming on the leader's timeline, no restart pending after a restart).
  - O(state=restarted) restarts PostgreSQL only when the member has a pending restart (unless
    O(only_pending_restart=false)), and refuses the leader, whose restart stops writes, unless O(allow_leader=true).
  - O(state=reinitialized) wipes the member's data directory and clones it again from the leader. Always refused
    on the leader and in a cluster without a leader; refused on a replica that streams unless O(force=true).
  - O(state=reloaded) makes Patroni re-read its configuration file (as C(SIGHUP)); it always reports a change.
author: hastack.platform maintainers (@hastack)
extends_documentation_fragment:
  - hastack.platform.patroni_api
attributes:
  check_mode:
    support: full
    description: Reads the cluster and makes every check, then reports whether it would act; sends nothing.
  diff_mode:
    support: none
    description: RV(before) and RV(after) say what changed.
options:
  member:
    description: Patroni name of the member (C(name) in its patroni.yml).
    type: str
    required: true
  state:
    description: What to do to the member.
    type: str
    choices: [restarted, reinitialized, reloaded]
    required: true
  only_pending_restart:
    description: With O(state=restarted), restart only when the member has a pending restart (C(pending_restart)).
    type: bool
    default: true
  allow_leader:
    description: With O(state=restarted), restart the leader too (writes stop until it is back).
    type: bool
    default: false
  force:
    description:
      - With O(state=reinitialized), reinitialize a replica that runs and streams. Also sent to Patroni, which
        then cancels an action it has in progress (such as a start it keeps retrying).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the member to be back after the request.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Restart db2 if a changed parameter needs it
  hastack.platform.patroni_member:
    member: db2
    state: restarted
    endpoints: [https://db1.example:8008, https://db2.example:8008, https://db3.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"

- name: Clone db3 again from the leader after it failed to start
  hastack.platform.patroni_member:
    member: db3
    state: reinitialized
    wait_timeout: 1800
    endpoints: [https://db1.example:8008, https://db2.example:8008, https://db3.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"
"""

RETURN = r"""
member:
  description: The member acted on.
  type: str
  returned: always
action:
  description: The request sent (or, in check mode, that would be sent); null when nothing was to be done.
  type: str
  returned: always
  sample: restart
before:
  description: The member in C(GET /cluster) before.
  type: dict
  returned: always
  contains:
    role:
      description: C(leader), C(replica), C(sync_standby), C(quorum_standby) or C(standby_leader).
      type: str
    state:
      description: Its PostgreSQL state, such as C(running), C(streaming), C(stopped) or C(start failed).
      type: str
    timeline:
      description: Its timeline.
      type: int
    lag_bytes:
      description: Bytes behind the leader; null for the leader or when unknown.
      type: int
    pending_restart:
      description: Whether a changed parameter waits for a restart.
      type: bool
after:
  description: The member in C(GET /cluster) after (as RV(before) in check mode or when nothing was done).
  type: dict
  returned: always
"""

from ansible_collections.hastack.platform.plugins.module_utils.patroni_api import (
    api_module,
    MEMBER_ACTIONS,
    PatroniApiError,
    PatroniClient,
    member,
    member_action,
    member_plan,
    member_summary,
    read_cluster,
)


def main():
    module = api_module(
        member=dict(type='str', required=True),
        state=dict(type='str', choices=list(MEMBER_ACTIONS), required=True),
        only_pending_restart=dict(type='bool', default=True),
        allow_leader=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    params = module.params
    name, action = params['member'], MEMBER_ACTIONS[params['state']]
    try:
        client = PatroniClient.from_params(params)
        view = read_cluster(client)[0]
        changed, reasons = member_plan(view, name, action, params['only_pending_restart'], params['allow_leader'],
                                       params['force'])
        if reasons:
            raise PatroniApiError('Refusing to %s %s: %s' % (action, name, ' '.join(reasons)))
        before = member_summary(member(view, name))
        result = dict(changed=changed, member=name, action=action if changed else None, before=before, after=before)
        if changed and not module.check_mode:
            after = member_action(client, view, name, action, params['wait_timeout'],
                                  params['only_pending_restart'], params['force'])
            result['after'] = member_summary(member(after, name))
    except PatroniApiError as exc:
        module.fail_json(msg=str(exc), url=exc.url, status=exc.status)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
